import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { DrainInput } from '../workflow/drain-definition';
import { wrap } from './errors';

export type DrainStart =
  | { readonly status: 'started'; readonly executionArn: string }
  | { readonly status: 'already_started'; readonly executionArn: string };

/** Execution ARN of a named execution of a state machine, without asking Step Functions. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** Starts drain executions in the burst region the task runs in. */
export class DrainStarter {
  constructor(
    private readonly sfnFor: (region: string) => SFNClient,
    private readonly stateMachines: Readonly<Record<string, string>>,
  ) {}

  /**
   * Starting the same drain twice is harmless: an execution is named after its drain (see
   * src/usecases/drain-naming.ts), and Step Functions answers a name it knows — running with other
   * input, or finished — with ExecutionAlreadyExists.
   */
  async start(region: string, name: string, input: DrainInput): Promise<DrainStart> {
    const stateMachineArn = this.stateMachines[region];
    if (!stateMachineArn) throw new Error(`no drain state machine is configured for region ${region}`);
    try {
      const response = await this.sfnFor(region).send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return {
        status: 'started',
        executionArn: response.executionArn ?? executionArnOf(stateMachineArn, name),
      };
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists') {
        return { status: 'already_started', executionArn: executionArnOf(stateMachineArn, name) };
      }
      throw wrap('states', 'StartExecution', error);
    }
  }

  /** The execution's status, or `missing` when Step Functions has no such execution. */
  async status(region: string, executionArn: string): Promise<string> {
    try {
      const response = await this.sfnFor(region).send(new DescribeExecutionCommand({ executionArn }));
      return response.status ?? 'UNKNOWN';
    } catch (error) {
      if ((error as Error).name === 'ExecutionDoesNotExist') return 'missing';
      throw wrap('states', 'DescribeExecution', error);
    }
  }
}
