import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeState,
  encodeState,
  STATE_SCHEMA_VERSION,
  StateItemInvalid,
} from '../../../src/adapters/state-codec';
import type { WorkloadState } from '../../../src/core/workload-state';
import { alertRecord, aState, aTask, isoAt } from '../factories';
import { workloadStateArbitrary } from '../state-arbitrary';

const WORKLOAD = 'checkout-api';

/** The item as StateStore writes it, after a trip through JSON as DynamoDB returns it. */
const storedItem = (state: WorkloadState, version = state.version) =>
  JSON.parse(
    JSON.stringify({
      pk: `WORKLOAD#${state.workload}`,
      sk: 'STATE',
      ...encodeState(state, version),
      updatedAt: isoAt(0),
    }),
  ) as Record<string, unknown>;

/** A state item as the code before schema versions wrote it: the state as a nested map. */
function versionOneItem(state: WorkloadState): Record<string, unknown> {
  const { version, ...body } = state;
  return JSON.parse(
    JSON.stringify({
      pk: `WORKLOAD#${state.workload}`,
      sk: 'STATE',
      version,
      state: body,
      updatedAt: isoAt(0),
    }),
  ) as Record<string, unknown>;
}

const busyState = () =>
  aState({
    version: 12,
    alerts: { 'alertmanager:a': { ...alertRecord('firing', -30), summary: 'p99 above 800 ms €' } },
    applied: { 'alertmanager:d1': isoAt(3600) },
    tasks: [aTask({ taskId: 't1' }), aTask({ taskId: 't2', status: 'stopped', capacity: 'spot' })],
    desiredTasks: 2,
  });

/** The error decoding `item` throws, so each case can say which field and why. */
function decodeError(item: Record<string, unknown>): StateItemInvalid {
  try {
    decodeState(WORKLOAD, item);
  } catch (error) {
    if (error instanceof StateItemInvalid) return error;
    throw error;
  }
  throw new Error('decoded without an error');
}

describe('the state item codec', () => {
  it('reads back every state it writes', () => {
    fc.assert(
      fc.property(workloadStateArbitrary, (state) => {
        // Act
        const read = decodeState(state.workload, storedItem(state));

        // Assess
        expect(read).toEqual(state);
      }),
      { numRuns: 200 },
    );
  });

  it('writes the current schema version, with the state as one JSON string', () => {
    // Act
    const item = encodeState(busyState(), 13);

    // Assess
    expect(item.schemaVersion).toBe(STATE_SCHEMA_VERSION);
    expect(item.version).toBe(13);
    expect(typeof item.state).toBe('string');
    expect(JSON.parse(item.state)).not.toHaveProperty('version');
  });

  it('reads a version 1 item, the state as a nested map without a schema version', () => {
    // Prepare
    const state = busyState();

    // Act
    const read = decodeState(WORKLOAD, versionOneItem(state));

    // Assess: the same state, which the next commit writes in the current version
    expect(read).toEqual(state);
    expect(encodeState(read, 13).schemaVersion).toBe(STATE_SCHEMA_VERSION);
  });

  it('gives a version 1 item the empty collections an early writer left out, as reads always did', () => {
    // Prepare
    const item = versionOneItem(busyState());
    const { pendingLaunches: _left, applied: _out, ...early } = item.state as Record<string, unknown>;

    // Act
    const read = decodeState(WORKLOAD, { ...item, state: early });

    // Assess
    expect(read.pendingLaunches).toEqual([]);
    expect(read.applied).toEqual({});
    expect(Object.keys(read.tasks)).toEqual(['t1', 't2']);
  });

  const invalidCases: [string, (item: Record<string, unknown>) => Record<string, unknown>, string, RegExp][] =
    [
      [
        'a task in an unknown status',
        withState((s) => setIn(s, ['tasks', 't1', 'status'], 'exploded')),
        'state.tasks.t1.status',
        /expected one of/,
      ],
      [
        'a count that is text',
        withState((s) => ({ ...s, desiredTasks: '2' })),
        'state.desiredTasks',
        /expected number/,
      ],
      [
        'a required map missing',
        withState(({ alerts: _gone, ...s }) => s),
        'state.alerts',
        /expected record/,
      ],
      [
        'an alert of an unknown source',
        withState((s) => setIn(s, ['alerts', 'alertmanager:a', 'source'], 'pager')),
        'state.alerts.alertmanager:a.source',
        /expected one of/,
      ],
      [
        'a version that is not a count',
        (item) => ({ ...item, version: -1 }),
        'version',
        /expected number to be >=0/,
      ],
      ['no version at all', ({ version: _gone, ...item }) => item, 'version', /expected number/],
      [
        "another workload's state",
        withState((s) => ({ ...s, workload: 'search-api' })),
        'state.workload',
        /names workload search-api/,
      ],
      ['a state that is not JSON', (item) => ({ ...item, state: '{"workload":' }), 'state', /not JSON/],
      [
        'a state that is JSON but not an object',
        (item) => ({ ...item, state: '[]' }),
        'state',
        /not a JSON object/,
      ],
      [
        'a state that is a map where a string belongs',
        (item) => ({ ...item, state: {} }),
        'state',
        /not a string/,
      ],
      [
        'a schema version that is text',
        (item) => ({ ...item, schemaVersion: '2' }),
        'schemaVersion',
        /not a schema version/,
      ],
    ];

  it.each(invalidCases)(
    'refuses %s, naming the workload, the schema version and the field',
    (_case, spoil, path, problem) => {
      // Act
      const error = decodeError(spoil(storedItem(busyState())));

      // Assess
      expect(error.workload).toBe(WORKLOAD);
      expect(error.path).toBe(path);
      expect(error.message).toMatch(problem);
      expect(error.message).toContain(`state item of workload ${WORKLOAD}`);
      expect(error.retryable).toBe(false);
    },
  );

  it('refuses a version 1 item whose state is not a map', () => {
    // Act
    const error = decodeError({ ...versionOneItem(busyState()), state: 'checkout-api' });

    // Assess
    expect([error.schemaVersion, error.path, error.message]).toEqual([
      1,
      'state',
      'state item of workload checkout-api (schema version 1) is invalid at state: not a map',
    ]);
  });

  it('refuses an item a newer Spillway wrote (a rollback), rather than misread it', () => {
    // Prepare
    const item = {
      ...storedItem(busyState()),
      schemaVersion: STATE_SCHEMA_VERSION + 1,
      state: '{"new":"shape"}',
    };

    // Act
    const error = decodeError(item);

    // Assess
    expect(error.schemaVersion).toBe(STATE_SCHEMA_VERSION + 1);
    expect(error.path).toBe('schemaVersion');
    expect(error.message).toMatch(/written by a newer Spillway.*roll forward/);
  });

  it('refuses to write a state it could not read back', () => {
    // Prepare
    const state = { ...busyState(), desiredTasks: Number.NaN };

    // Act
    const write = () => encodeState(state, 13);

    // Assess
    expect(write).toThrow(StateItemInvalid);
    expect(write).toThrow(/invalid at state.desiredTasks: .*\(not written\)/);
  });
});

function withState(change: (state: Record<string, unknown>) => Record<string, unknown>) {
  return (item: Record<string, unknown>) => ({
    ...item,
    state: JSON.stringify(change(JSON.parse(String(item.state)) as Record<string, unknown>)),
  });
}

function setIn(
  target: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return target;
  return {
    ...target,
    [head]: rest.length === 0 ? value : setIn(target[head] as Record<string, unknown>, rest, value),
  };
}
