import { ExecutionAlreadyExists, type SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { DrainStarter, executionArnOf } from '../../../src/adapters/drain-starter';
import { AdapterError } from '../../../src/adapters/errors';
import type { DrainInput } from '../../../src/workflow/drain-definition';
import { drainStateMachineArn } from '../fakes';

const INPUT: DrainInput = {
  workload: 'checkout-api',
  taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/spillway-burst/0123456789abcdef0123456789abcdef',
  cluster: 'spillway-burst',
  drainSeconds: 30,
  ledgerTable: 'spillway-drain-ledger',
  ledgerExpiresAt: '1775044800',
  decisionId: 'd-0123456789abcdef01234567',
  target: null,
};
const NAME = 'checkout-api-0123456789abcdef0123456789abcdef';

/** A Step Functions client whose `send` records the command input and answers with `answer`. */
function fakeSfn(answer: () => unknown) {
  const calls: { region: string; input: unknown }[] = [];
  const sfnFor = (region: string) =>
    ({
      send: async (command: { input: unknown }) => {
        calls.push({ region, input: command.input });
        return answer();
      },
    }) as unknown as SFNClient;
  return { sfnFor, calls };
}

const machines = { 'eu-west-1': drainStateMachineArn('eu-west-1') };

describe('executionArnOf', () => {
  it('turns a state machine ARN and an execution name into the execution ARN', () => {
    expect(executionArnOf('arn:aws:states:eu-west-1:123456789012:stateMachine:spillway-drain', NAME)).toBe(
      `arn:aws:states:eu-west-1:123456789012:execution:spillway-drain:${NAME}`,
    );
  });
});

describe('DrainStarter.start', () => {
  it('starts a named execution of the region state machine with the drain input as JSON', async () => {
    // Prepare
    const executionArn = executionArnOf(machines['eu-west-1'], NAME);
    const { sfnFor, calls } = fakeSfn(() => ({ executionArn, startDate: new Date() }));

    // Act
    const started = await new DrainStarter(sfnFor, machines).start('eu-west-1', NAME, INPUT);

    // Assess
    expect(started).toEqual({ status: 'started', executionArn });
    expect(calls).toEqual([
      {
        region: 'eu-west-1',
        input: { stateMachineArn: machines['eu-west-1'], name: NAME, input: JSON.stringify(INPUT) },
      },
    ]);
  });

  it.each([
    [
      'the SDK exception class',
      () => new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }),
    ],
    ['an error named like it', () => Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' })],
  ])('treats ExecutionAlreadyExists (%s) as already started, with the execution ARN', async (_, error) => {
    // Prepare
    const { sfnFor } = fakeSfn(() => {
      throw error();
    });

    // Act
    const started = await new DrainStarter(sfnFor, machines).start('eu-west-1', NAME, INPUT);

    // Assess
    expect(started).toEqual({
      status: 'already_started',
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:spillway-drain:${NAME}`,
    });
  });

  it('wraps any other failure in an AdapterError, permanent for access denied', async () => {
    // Prepare
    const { sfnFor } = fakeSfn(() => {
      throw Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    });

    // Act
    const failure = await new DrainStarter(sfnFor, machines)
      .start('eu-west-1', NAME, INPUT)
      .catch((e: unknown) => e);

    // Assess
    expect(failure).toBeInstanceOf(AdapterError);
    expect((failure as AdapterError).message).toBe(
      'states StartExecution failed: AccessDeniedException: not authorized',
    );
    expect((failure as AdapterError).retryable).toBe(false);
  });

  it('refuses a region without a drain state machine, without calling Step Functions', async () => {
    // Prepare
    const { sfnFor, calls } = fakeSfn(() => ({}));

    // Act
    const act = new DrainStarter(sfnFor, machines).start('us-west-2', NAME, INPUT);

    // Assess
    await expect(act).rejects.toThrow('no drain state machine is configured for region us-west-2');
    expect(calls).toEqual([]);
  });
});
