/**
 * The state table as DynamoDB keeps it, behind the StateStore port: one item per workload written
 * only when its version is the one read (TransactWriteItems with the decision's log row), the
 * decision log, region health rows with their own condition, and DynamoDB's limits: an item above
 * 400 KB is refused with a ValidationException, as every write of a state that grew too large
 * would be on AWS. What is stored is a JSON copy, so no caller keeps a live reference into it.
 */
import { wrap } from '../../../src/adapters/errors';
import { encodeState } from '../../../src/adapters/state-codec';
import type { CommitResult } from '../../../src/adapters/state-store';
import type { Decision } from '../../../src/core/decision';
import type { RegionHealth, RegionHealthMap } from '../../../src/core/region-health';
import { emptyWorkloadState, type WorkloadState } from '../../../src/core/workload-state';
import { itemSizeBytes } from './item-size';

/** DynamoDB's item size limit. */
export const ITEM_LIMIT_BYTES = 400 * 1024;

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * The size DynamoDB counts is close to the UTF-8 length of the item as JSON (names and values,
 * with a few bytes per map and list instead of JSON's punctuation): measured this way, a decision
 * the simulation accepts is within a few percent of what DynamoDB would.
 */
export const itemBytes = (item: unknown): number => Buffer.byteLength(JSON.stringify(item), 'utf8');

export class SimStateTable {
  private readonly states = new Map<string, WorkloadState>();
  private readonly health = new Map<string, RegionHealth>();
  /** Every decision written, with or without a state change, in write order. */
  readonly decisions: Decision[] = [];
  readonly messageFailures = new Map<string, string>();
  /** The largest state item ever written, and every write refused for its size. */
  largestItemBytes = 0;
  readonly oversizeWrites: { workload: string; bytes: number }[] = [];

  load(workload: string): WorkloadState {
    return copy(this.states.get(workload) ?? emptyWorkloadState(workload));
  }

  loadStates(workloads: readonly string[]): Map<string, WorkloadState> {
    return new Map(workloads.map((name) => [name, this.load(name)]));
  }

  commit(next: WorkloadState, expectedVersion: number, decision?: Decision): CommitResult {
    // The item StateStore writes, measured by DynamoDB's rules: JSON would count every quote
    // escaped inside the state's JSON string twice.
    const item = {
      pk: `WORKLOAD#${next.workload}`,
      sk: 'STATE',
      ...encodeState(next, expectedVersion + 1),
      updatedAt: new Date(0).toISOString(), // the store writes the wall clock: only its length counts
    };
    const bytes = itemSizeBytes(item);
    if (bytes > ITEM_LIMIT_BYTES) {
      this.oversizeWrites.push({ workload: next.workload, bytes });
      throw wrap(
        'dynamodb',
        'TransactWriteItems',
        Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
          name: 'ValidationException',
        }),
      );
    }
    if (decision) this.checkDecisionSize(decision);
    const stored = this.states.get(next.workload)?.version ?? 0;
    if (stored !== expectedVersion) return { ok: false, reason: 'version_conflict' };
    this.largestItemBytes = Math.max(this.largestItemBytes, bytes);
    this.states.set(next.workload, copy({ ...next, version: expectedVersion + 1 }));
    if (decision) this.decisions.push(copy(decision));
    return { ok: true, version: expectedVersion + 1 };
  }

  logDecision(decision: Decision): void {
    this.checkDecisionSize(decision);
    this.decisions.push(copy(decision));
  }

  /** A decision log item is an item too: above 400 KB, DynamoDB refuses it (and its transaction). */
  private checkDecisionSize(decision: Decision): void {
    const bytes = itemBytes({
      pk: `WORKLOAD#${decision.workload}`,
      sk: `DECISION#${decision.at}#${decision.id}`,
      decision,
    });
    if (bytes <= ITEM_LIMIT_BYTES) return;
    this.oversizeWrites.push({ workload: `${decision.workload} (decision ${decision.id})`, bytes });
    throw wrap(
      'dynamodb',
      'PutItem',
      Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
        name: 'ValidationException',
      }),
    );
  }

  recordMessageFailure(messageId: string, reason: string): void {
    this.messageFailures.set(messageId, reason);
  }

  loadRegionHealth(): RegionHealthMap {
    return copy(Object.fromEntries(this.health));
  }

  saveRegionHealth(health: RegionHealth, expectedUpdatedAt?: string): boolean {
    if (this.health.get(health.region)?.updatedAt !== expectedUpdatedAt) return false;
    this.health.set(health.region, copy(health));
    return true;
  }

  /** The stored state, for the invariant checks (not a port call). */
  peek(workload: string): WorkloadState {
    return this.load(workload);
  }
}
