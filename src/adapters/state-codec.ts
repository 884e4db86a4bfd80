import { en } from 'zod/locales';
import * as z from 'zod/mini';
import type { $ZodError } from 'zod/v4/core';
import { formatIssuePath } from '../config/issue-path';
import { emptyWorkloadState, type WorkloadState } from '../core/workload-state';
import { AdapterError } from './errors';
import { workloadStateSchema } from './state-schema';

/**
 * The schema version of the state items this code writes. A change to what a state item holds is
 * a new version with a migration from the one before, never an edit of the current one: an older
 * Spillway must refuse an item it would misread, and does so by its version.
 *
 * - 1: the state as a nested map in `state`, no `schemaVersion` attribute.
 * - 2: the state as one JSON string in `state`: items 10 to 16% larger, for a fortieth or less of
 *   the emulator's CPU per read, and still readable in the console (docs/operations.md, "State
 *   items", has the figures).
 */
export const STATE_SCHEMA_VERSION = 2;

/** mini ships no messages: without these the first bad field would only say "Invalid input". */
const englishMessages = { error: en().localeError };

/**
 * A state item this code cannot read: malformed, failing the schema, or written by a newer
 * version (or a state it would write and could not read back). Permanent: a retry reads the same
 * item, so the workload's messages go to the dead-letter queue with this reason until an operator
 * repairs the item or rolls forward.
 */
export class StateItemInvalid extends AdapterError {
  override readonly name = 'StateItemInvalid';
  constructor(
    readonly workload: string,
    readonly schemaVersion: unknown,
    /** The first field found wrong, as `state.tasks.abc.status`. */
    readonly path: string,
    problem: string,
  ) {
    super(
      `state item of workload ${workload} (schema version ${String(schemaVersion)}) is invalid at ${path}: ${problem}`,
      'dynamodb',
      'StateItem',
      { retryable: false },
    );
  }
}

/**
 * The attributes of a state item that hold the state, at `version`. The state is checked before
 * it is written: a state this code could not read back fails the write that made it, instead of
 * every read after it.
 */
export function encodeState(
  state: WorkloadState,
  version: number,
): { schemaVersion: number; version: number; state: string } {
  const checked = z.safeParse(workloadStateSchema, { ...state, version }, englishMessages);
  if (!checked.success) throw invalid(state.workload, STATE_SCHEMA_VERSION, checked.error, ' (not written)');
  const { version: _inItsOwnAttribute, ...body } = checked.data;
  return { schemaVersion: STATE_SCHEMA_VERSION, version, state: JSON.stringify(body) };
}

/** The state a state item holds, of any version this code knows, checked against the schema. */
export function decodeState(workload: string, item: Readonly<Record<string, unknown>>): WorkloadState {
  const schemaVersion = item.schemaVersion ?? 1;
  const fail = (path: string, problem: string) =>
    new StateItemInvalid(workload, schemaVersion, path, problem);
  if (typeof schemaVersion !== 'number' || !Number.isInteger(schemaVersion) || schemaVersion < 1)
    throw fail('schemaVersion', 'not a schema version');
  if (schemaVersion > STATE_SCHEMA_VERSION)
    throw fail(
      'schemaVersion',
      `written by a newer Spillway, this one reads up to schema version ${STATE_SCHEMA_VERSION}: roll forward`,
    );
  let body: Record<string, unknown>;
  if (schemaVersion === 1) {
    if (!isMap(item.state)) throw fail('state', 'not a map');
    // As version 1 was always read: collections an early writer left out are empty.
    body = { ...emptyWorkloadState(workload), ...item.state };
  } else {
    if (typeof item.state !== 'string') throw fail('state', 'not a string');
    let parsed: unknown;
    try {
      parsed = JSON.parse(item.state);
    } catch (error) {
      throw fail('state', `not JSON (${(error as Error).message})`);
    }
    if (!isMap(parsed)) throw fail('state', 'not a JSON object');
    body = parsed;
  }
  const checked = z.safeParse(workloadStateSchema, { ...body, version: item.version }, englishMessages);
  if (!checked.success) throw invalid(workload, schemaVersion, checked.error);
  if (checked.data.workload !== workload)
    throw fail('state.workload', `names workload ${checked.data.workload}`);
  return checked.data;
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function invalid(workload: string, schemaVersion: unknown, error: $ZodError, note = ''): StateItemInvalid {
  const issue = error.issues[0];
  const inState = formatIssuePath(issue?.path ?? []);
  // `version` is an attribute of its own; everything else is inside `state`.
  const path = inState === 'version' ? 'version' : inState ? `state.${inState}` : 'state';
  return new StateItemInvalid(workload, schemaVersion, path, `${issue?.message ?? 'invalid'}${note}`);
}
