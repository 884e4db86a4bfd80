/**
 * Step Functions running the drain workflow, one state at a time, from the definition CDK deploys
 * (src/workflow/drain-definition.ts): the ledger writes are the definition's own UpdateItem
 * parameters evaluated against the region's ledger table, so the race between a drain and its
 * cancellation is decided here exactly as DynamoDB decides it. Executions are named (a second
 * start of a name is refused), can fail (StopTask refused), and can time out.
 */
import { type DrainStart, executionArnOf } from '../../../src/adapters/drain-starter';
import {
  DRAIN_MAX_POLLS,
  DRAIN_POLL_SECONDS,
  DRAIN_TIMEOUT_SECONDS,
  type DrainInput,
  drainWorkflowDefinition,
  TASK_NOT_FOUND,
} from '../../../src/workflow/drain-definition';
import { LedgerTable, runLedgerState } from '../../unit/workflow/ledger-table';
import { ACCOUNT, type SimEcs } from './ecs';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';

export interface SimExecution {
  readonly region: string;
  readonly name: string;
  readonly executionArn: string;
  readonly input: DrainInput & { error?: unknown };
  readonly startedAt: number;
  state: string;
  status: ExecutionStatus;
  waitUntil?: number;
  polls: number;
}

const KNOWN_STATES = new Set([
  'MarkDraining',
  'HasTargetGroup',
  'DeregisterTarget',
  'MarkDeregistered',
  'RestoreTarget',
  'WaitForDrain',
  'MarkStopping',
  'StopTask',
  'StartPolling',
  'DescribeTask',
  'IsTaskGone',
  'PickTask',
  'IsTaskStopped',
  'WaitForStop',
  'CountPoll',
  'StopNotConfirmed',
  'MarkStopped',
  'RecordDrainFailed',
  'DrainFailed',
  'Cancelled',
]);

/** The simulation interprets these states by name: a definition with others must be taught here first. */
export function assertKnownDefinition(): void {
  const states = Object.keys((drainWorkflowDefinition() as { States: Record<string, unknown> }).States);
  const unknown = states.filter((s) => !KNOWN_STATES.has(s));
  if (unknown.length > 0) throw new Error(`the simulation does not know drain states ${unknown.join(', ')}`);
}

/** Where the definition's Catch sends an error of a state. */
function catcherOf(state: string, error: string): string {
  const states = (
    drainWorkflowDefinition() as {
      States: Record<string, { Catch?: { ErrorEquals: string[]; Next: string }[] }>;
    }
  ).States;
  const catcher = states[state]?.Catch?.find(
    (c) => c.ErrorEquals.includes(error) || c.ErrorEquals.includes('States.ALL'),
  );
  if (!catcher) throw new Error(`${state} does not catch ${error}`);
  return catcher.Next;
}

export const stateMachineArnOf = (region: string) =>
  `arn:aws:states:${region}:${ACCOUNT}:stateMachine:spillway-drain`;

export class SimStepFunctions {
  readonly executions = new Map<string, SimExecution>();
  readonly ledgers = new Map<string, LedgerTable>();
  /** StopTask calls still to be refused (a role without the permission, an ECS fault). */
  failStopTask = 0;
  /** Drains called off in the ledger: `${taskArn}|${drainId}`. */
  readonly calledOff = new Set<string>();
  /** Invariant breaches seen while running executions. */
  readonly violations: string[] = [];

  constructor(private readonly ecs: SimEcs) {
    assertKnownDefinition();
  }

  ledger(region: string): LedgerTable {
    let table = this.ledgers.get(region);
    if (!table) {
      table = new LedgerTable();
      this.ledgers.set(region, table);
    }
    return table;
  }

  start(region: string, name: string, input: DrainInput, now: number): DrainStart {
    const executionArn = executionArnOf(stateMachineArnOf(region), name);
    if (this.executions.has(executionArn)) return { status: 'already_started', executionArn };
    this.executions.set(executionArn, {
      region,
      name,
      executionArn,
      input: { ...input },
      startedAt: now,
      state: 'MarkDraining',
      status: 'RUNNING',
      polls: 0,
    });
    return { status: 'started', executionArn };
  }

  status(executionArn: string): string {
    return this.executions.get(executionArn)?.status ?? 'missing';
  }

  running(): SimExecution[] {
    return [...this.executions.values()].filter((e) => e.status === 'RUNNING');
  }

  /** Ends one running execution by its timeout, without its failure handler (as States.Timeout does). */
  timeOut(index: number): string | undefined {
    const running = this.running();
    const execution = running[index % Math.max(running.length, 1)];
    if (!execution) return undefined;
    execution.status = 'TIMED_OUT';
    return execution.name;
  }

  /**
   * Runs one state of an execution. Returns false when it is waiting (or ended), so the caller
   * knows when to stop stepping it.
   */
  step(execution: SimExecution, now: number): boolean {
    if (execution.status !== 'RUNNING') return false;
    if (now - execution.startedAt > DRAIN_TIMEOUT_SECONDS * 1000) {
      execution.status = 'TIMED_OUT';
      return false;
    }
    const entered = new Date(now).toISOString();
    const run = { name: execution.name, input: execution.input as unknown as Record<string, unknown> };
    const table = this.ledger(execution.region);
    const go = (next: string) => {
      execution.state = next;
      return true;
    };
    switch (execution.state) {
      case 'MarkDraining':
      case 'MarkDeregistered':
      case 'MarkStopping':
      case 'RecordDrainFailed':
        return go(runLedgerState(table, execution.state, run, entered));
      case 'MarkStopped': {
        const next = runLedgerState(table, execution.state, run, entered);
        execution.status = 'SUCCEEDED';
        execution.state = next;
        return false;
      }
      case 'HasTargetGroup':
        return go(execution.input.target ? 'DeregisterTarget' : 'WaitForDrain');
      case 'DeregisterTarget':
        return go('MarkDeregistered');
      case 'RestoreTarget':
        return go('Cancelled');
      case 'WaitForDrain':
      case 'WaitForStop': {
        const seconds =
          execution.state === 'WaitForDrain' ? execution.input.drainSeconds : DRAIN_POLL_SECONDS;
        execution.waitUntil ??= now + seconds * 1000;
        if (now < execution.waitUntil) return false;
        execution.waitUntil = undefined;
        return go(execution.state === 'WaitForDrain' ? 'MarkStopping' : 'CountPoll');
      }
      case 'StopTask':
        return go(this.stopTask(execution));
      case 'StartPolling':
        execution.polls = 0;
        return go('DescribeTask');
      case 'DescribeTask':
      case 'IsTaskGone':
      case 'PickTask':
      case 'IsTaskStopped': {
        const task = this.ecs.tasks.get(execution.input.taskArn);
        if (!task || task.lastStatus === 'STOPPED') return go('MarkStopped');
        return go(execution.polls >= DRAIN_MAX_POLLS ? 'StopNotConfirmed' : 'WaitForStop');
      }
      case 'CountPoll':
        execution.polls++;
        return go('DescribeTask');
      case 'StopNotConfirmed':
        execution.input.error = { Error: 'Spillway.StopNotConfirmed' };
        return go('RecordDrainFailed');
      case 'DrainFailed':
        execution.status = 'FAILED';
        return false;
      case 'Cancelled':
        execution.status = 'SUCCEEDED';
        return false;
      default:
        throw new Error(`unknown drain state ${execution.state}`);
    }
  }

  private stopTask(execution: SimExecution): string {
    const { taskArn } = execution.input;
    if (this.calledOff.has(`${taskArn}|${execution.name}`))
      this.violations.push(`drain ${execution.name} stopped ${taskArn} after it was called off`);
    if (this.failStopTask > 0) {
      this.failStopTask--;
      execution.input.error = {
        Error: 'Ecs.AccessDeniedException',
        Cause: 'not authorized to perform ecs:StopTask',
      };
      return 'RecordDrainFailed';
    }
    try {
      this.ecs.stopTask(taskArn, execution.name);
      return 'StartPolling';
    } catch {
      // ECS answers InvalidParameterException for a task it no longer knows; the definition
      // catches it into polling, which finds the task gone.
      return catcherOf('StopTask', TASK_NOT_FOUND);
    }
  }
}
