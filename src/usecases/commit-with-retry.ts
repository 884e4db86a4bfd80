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
 * `change` returns undefined when there is nothing to write.
 */
export async function updateState(
  // The pacer's clock waits and jitters the backoff, so a simulation of racing writers is
  // deterministic and takes no real time; without one, the real timers and Math.random serve.
  deps: Pick<DecideDeps, 'store'> & { readonly pacer?: Pick<LaunchPacing, 'sleep' | 'random'> },
  workload: string,
  change: (state: WorkloadState) => { next: WorkloadState; decision?: Decision } | undefined,
): Promise<WorkloadState> {
  for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
    const state = await deps.store.load(workload);
    const result = change(state);
    if (!result) return state;
    const committed = await deps.store.commit(result.next, state.version, result.decision);
    if (committed.ok) return { ...result.next, version: committed.version };
    // Full jitter: racing writers spread out instead of colliding again on the next attempt.
    const backoffMs = Math.min(1000, 20 * 2 ** attempt);
    if (deps.pacer) await deps.pacer.sleep(deps.pacer.random() * backoffMs);
    else await new Promise((r) => setTimeout(r, Math.random() * backoffMs));
  }
  throw new ConcurrencyError(
    `workload ${workload}: state changed under ${MAX_COMMIT_ATTEMPTS} attempts in a row`,
  );
}
