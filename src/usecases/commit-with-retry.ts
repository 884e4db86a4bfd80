import type { Decision } from '../core/decision';
import type { WorkloadState } from '../core/workload-state';
import type { LaunchPacing } from './launch-pacer';
import type { DecideDeps } from './ports';

/** How often a lost conditional write is re-read and re-applied before the message is retried. */
export const MAX_COMMIT_ATTEMPTS = 10;

export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
}

/**
 * Reads the workload state, applies `change`, and writes the result conditionally on the version
 * read. A lost race re-reads and re-applies, so `change` must be a pure function of the state.
 * `change` returns undefined when there is nothing to write. Whatever it computes for the caller
 * besides (a count, a claim) must be set anew on every run, first thing: a value left from a run
 * whose write lost describes a state that never was (a launch once trusted as claimed that way
 * was started twice). `justRead` is a state the caller
 * read for this very change (a consistent read): the first attempt uses it as read. `known` is the
 * state the caller last wrote or saw: the first attempt writes from it without reading, so a write
 * right after a write is one round trip, and an old `known` costs only a re-read.
 */
export async function updateState(
  // The pacer's clock waits and jitters the backoff, so a simulation of racing writers is
  // deterministic and takes no real time; without one, the real timers and Math.random serve.
  deps: Pick<DecideDeps, 'store'> & { readonly pacer?: Pick<LaunchPacing, 'sleep' | 'random'> },
  workload: string,
  change: (state: WorkloadState) => { next: WorkloadState; decision?: Decision } | undefined,
  from: { readonly known?: WorkloadState; readonly justRead?: WorkloadState } = {},
): Promise<WorkloadState> {
  let assumed = from.known;
  let read = from.justRead;
  for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
    const state = assumed ?? read ?? (await deps.store.load(workload));
    read = undefined;
    const result = change(state);
    if (!result) {
      // Nothing to write according to a state that may be old: only the stored one may say so.
      if (assumed) {
        assumed = undefined;
        attempt--;
        continue;
      }
      return state;
    }
    const committed = await deps.store.commit(result.next, state.version, result.decision);
    if (committed.ok) return { ...result.next, version: committed.version };
    if (assumed) {
      // The known state was old: read, and try again at once (no one raced this writer).
      assumed = undefined;
      continue;
    }
    // Full jitter: racing writers spread out instead of colliding again on the next attempt.
    const backoffMs = Math.min(1000, 20 * 2 ** attempt);
    if (deps.pacer) await deps.pacer.sleep(deps.pacer.random() * backoffMs);
    else await new Promise((r) => setTimeout(r, Math.random() * backoffMs));
  }
  throw new ConcurrencyError(
    `workload ${workload}: state changed under ${MAX_COMMIT_ATTEMPTS} attempts in a row`,
  );
}
