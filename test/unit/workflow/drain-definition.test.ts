import { describe, expect, it } from 'vitest';
import {
  CONDITION_FAILED,
  DRAIN_MAX_POLLS,
  DRAIN_POLL_SECONDS,
  DRAIN_TIMEOUT_SECONDS,
  type DrainInput,
  drainWorkflowDefinition,
  TASK_NOT_FOUND,
} from '../../../src/workflow/drain-definition';

type State = Record<string, unknown> & { Type: string };
interface Catcher {
  ErrorEquals: string[];
  Next: string;
}

const definition = drainWorkflowDefinition() as {
  StartAt: string;
  TimeoutSeconds: number;
  States: Record<string, State>;
};
const states = Object.entries(definition.States);
const taskStates = states.filter(([, state]) => state.Type === 'Task');
const FAILURE_RECORDER = 'RecordDrainFailed';

/** Every state a state can go to next: Next, Default, each choice and each catcher. */
function successors(state: State): string[] {
  const choices = (state.Choices as { Next: string }[] | undefined) ?? [];
  const catchers = (state.Catch as Catcher[] | undefined) ?? [];
  return [state.Next, state.Default, ...choices.map((c) => c.Next), ...catchers.map((c) => c.Next)].filter(
    (name): name is string => typeof name === 'string',
  );
}

/** JSONPath references (`$.a.b`, not context paths `$$.…`) in every string of a value, with where they sit. */
function jsonPaths(value: unknown, where = ''): { path: string; where: string }[] {
  if (typeof value === 'string') {
    return [...value.matchAll(/(?<!\$)\$\.([A-Za-z0-9_.]+)/g)].map((m) => ({ path: m[1] as string, where }));
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => jsonPaths(item, `${where}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, child]) => jsonPaths(child, `${where}.${key}`));
  }
  return [];
}

/** Fields of DrainInput, listed here so that a new input field must be looked at by this test. */
const inputFields = {
  workload: true,
  taskArn: true,
  cluster: true,
  drainSeconds: true,
  ledgerTable: true,
  ledgerExpiresAt: true,
  decisionId: true,
  target: true,
} satisfies Record<keyof DrainInput, true>;

describe('drain workflow definition', () => {
  it('starts at a state that exists', () => {
    expect(definition.StartAt).toBe('MarkDraining');
    expect(definition.States[definition.StartAt]).toBeDefined();
  });

  it('only goes to states that exist', () => {
    const names = new Set(Object.keys(definition.States));
    const dangling = states.flatMap(([name, state]) =>
      successors(state)
        .filter((next) => !names.has(next))
        .map((next) => `${name} → ${next}`),
    );
    expect(dangling).toEqual([]);
  });

  it('reaches every state from StartAt', () => {
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const state = definition.States[name];
      if (state) for (const next of successors(state)) visit(next);
    };
    visit(definition.StartAt);
    expect([...seen].sort()).toEqual(Object.keys(definition.States).sort());
  });

  it('ends only in MarkStopped (stopped), Cancelled (called off) or DrainFailed (failure)', () => {
    const terminal = states
      .filter(([, state]) => state.End === true || state.Type === 'Fail' || state.Type === 'Succeed')
      .map(([name]) => name);
    expect(terminal.sort()).toEqual(['Cancelled', 'DrainFailed', 'MarkStopped']);
    expect(definition.States.Cancelled?.Type).toBe('Succeed');
  });

  it('reaches StopTask only through MarkStopping, its point of no return', () => {
    // Without MarkStopping no path leads to StopTask, and MarkStopping leads nowhere else.
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name) || name === 'MarkStopping') return;
      seen.add(name);
      const state = definition.States[name];
      if (state) for (const next of successors(state)) visit(next);
    };
    visit(definition.StartAt);
    expect(seen.has('StopTask')).toBe(false);
    expect(definition.States.MarkStopping).toMatchObject({ Next: 'StopTask' });
  });

  it('goes to Cancelled only when a ledger write finds the drain called off, or after putting the target back', () => {
    const into = states.flatMap(([name, state]) => [
      ...(state.Next === 'Cancelled' || state.Default === 'Cancelled' ? [`${name}: Next`] : []),
      ...((state.Catch as Catcher[] | undefined) ?? [])
        .filter((c) => c.Next === 'Cancelled')
        .map((c) => `${name}: ${c.ErrorEquals.join('|')}`),
    ]);
    expect(into.sort()).toEqual([
      `MarkDraining: ${CONDITION_FAILED}`,
      `MarkStopping: ${CONDITION_FAILED}`,
      'RestoreTarget: Next',
      'RestoreTarget: States.ALL',
    ]);
  });

  it('names the drain in every ledger write, and conditions every write that could undo a cancellation', () => {
    const writes = taskStates.filter(
      ([, state]) => state.Resource === 'arn:aws:states:::dynamodb:updateItem',
    );
    const conditioned = writes
      .filter(([, state]) => (state.Parameters as Record<string, unknown>).ConditionExpression)
      .map(([name]) => name);
    expect(conditioned.sort()).toEqual([
      'MarkDeregistered',
      'MarkDraining',
      'MarkStopping',
      'RecordDrainFailed',
    ]);
    for (const [name, state] of writes) {
      const parameters = state.Parameters as { ExpressionAttributeValues: Record<string, unknown> };
      if (name === 'MarkDeregistered') continue;
      expect([name, parameters.ExpressionAttributeValues[':drainId']]).toEqual([
        name,
        { 'S.$': '$$.Execution.Name' },
      ]);
    }
  });

  it('gives every Task state a TimeoutSeconds', () => {
    const without = taskStates.filter(
      ([, state]) => !(typeof state.TimeoutSeconds === 'number' && state.TimeoutSeconds > 0),
    );
    expect(without.map(([name]) => name)).toEqual([]);
  });

  it('gives every Task state a Retry', () => {
    const without = taskStates.filter(([, state]) => !Array.isArray(state.Retry) || state.Retry.length === 0);
    expect(without.map(([name]) => name)).toEqual([]);
  });

  // RestoreTarget runs for a drain already called off: it ends Cancelled whatever happens, and the
  // reconciler registers the kept task again anyway.
  it('catches every error of every Task state into RecordDrainFailed, except in RecordDrainFailed and RestoreTarget', () => {
    const uncaught = taskStates
      .filter(([name]) => name !== FAILURE_RECORDER && name !== 'RestoreTarget')
      .filter(([, state]) => {
        const catchers = (state.Catch as Catcher[] | undefined) ?? [];
        return !catchers.some((c) => c.ErrorEquals.includes('States.ALL') && c.Next === FAILURE_RECORDER);
      })
      .map(([name]) => name);
    expect(uncaught).toEqual([]);
  });

  it('retries a timed-out call of every Task state: each one is idempotent', () => {
    const without = taskStates
      .filter(
        ([, state]) =>
          !(state.Retry as { ErrorEquals: string[] }[]).some((r) => r.ErrorEquals.includes('States.Timeout')),
      )
      .map(([name]) => name);
    expect(without).toEqual([]);
  });

  it('takes a task that is gone when StopTask comes as stopped, once polling confirms it', () => {
    const catchers = definition.States.StopTask?.Catch as Catcher[];
    expect(catchers[0]).toEqual({ ErrorEquals: [TASK_NOT_FOUND], ResultPath: null, Next: 'StartPolling' });
    expect(catchers.at(-1)?.ErrorEquals).toEqual(['States.ALL']);
  });

  it('lets RecordDrainFailed end in the DrainFailed state', () => {
    expect(definition.States[FAILURE_RECORDER]).toMatchObject({ Type: 'Task', Next: 'DrainFailed' });
    expect(definition.States.DrainFailed).toMatchObject({ Type: 'Fail', Error: 'Spillway.DrainFailed' });
  });

  it('uses service integrations only: no Lambda anywhere', () => {
    const resources = taskStates.map(([, state]) => String(state.Resource));
    expect(resources.filter((r) => /lambda/i.test(r))).toEqual([]);
    for (const resource of resources)
      expect(resource).toMatch(/^arn:aws:states:::(aws-sdk:)?[a-z0-9]+:[A-Za-z]+$/);
    expect(JSON.stringify(definition)).not.toMatch(/lambda/i);
  });

  it('names its own fields in camelCase in every JSONPath', () => {
    // Paths inside a ResultSelector, and below the ECS task object picked from DescribeTasks,
    // read AWS's own (PascalCase) fields; everything else is Spillway's input or its own results.
    const ours = jsonPaths(definition.States).filter(({ where }) => !where.includes('.ResultSelector'));
    const segments = ours.flatMap(({ path }) => {
      const parts = path.split('.');
      return path.startsWith('picked.task.') ? parts.slice(0, 2) : parts;
    });
    expect(segments.length).toBeGreaterThan(10);
    expect([...new Set(segments)].filter((s) => !/^[a-z][a-zA-Z0-9]*$/.test(s))).toEqual([]);
  });

  it('reads only input fields it is given and results it wrote itself', () => {
    const written = new Set(
      states
        .map(([, state]) => state.ResultPath)
        .filter((p): p is string => typeof p === 'string')
        .map((p) => p.replace(/^\$\./, '')),
    );
    const read = jsonPaths(definition.States).filter(({ where }) => !where.includes('.ResultSelector'));
    const roots = new Set(read.map(({ path }) => path.split('.')[0] as string));
    const unknown = [...roots].filter((root) => !(root in inputFields) && !written.has(root));
    expect(unknown).toEqual([]);
    expect([...written].sort()).toEqual(['described', 'error', 'picked', 'poll']);
  });

  it('waits drainSeconds from the input before the point of no return', () => {
    expect(definition.States.WaitForDrain).toEqual({
      Type: 'Wait',
      SecondsPath: '$.drainSeconds',
      Next: 'MarkStopping',
    });
  });

  it('deregisters the target only when the input names one', () => {
    expect(definition.States.HasTargetGroup).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.target', IsNull: false, Next: 'DeregisterTarget' }],
      Default: 'WaitForDrain',
    });
  });

  it('bounds the wait for STOPPED, and the execution outlasts the longest drain plus that wait', () => {
    const stopped = definition.States.IsTaskStopped?.Choices as { Variable: string; Next: string }[];
    expect(stopped).toContainEqual({
      Variable: '$.poll.attempts',
      NumericGreaterThanEquals: DRAIN_MAX_POLLS,
      Next: 'StopNotConfirmed',
    });
    expect(definition.TimeoutSeconds).toBe(DRAIN_TIMEOUT_SECONDS);
    expect(DRAIN_TIMEOUT_SECONDS).toBeGreaterThan(86_400 + DRAIN_POLL_SECONDS * DRAIN_MAX_POLLS);
  });
});
