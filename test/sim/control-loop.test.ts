import fc from 'fast-check';
import { describe, it } from 'vitest';
import { type Step, stepArbitrary } from './ops';
import { schedulingOf, simulate, watchedSiteConfig } from './setup';

/**
 * `make sim SEEDS=N` explores N runs; `make test` runs the fixed budget below. A failure prints
 * the shrunk steps, the scheduler's order of port calls, and the seed and path that replay it:
 * `make sim SEED=<seed> SIM_PATH=<path>`.
 */
const RUNS = Number(process.env.SIM_SEEDS ?? 150);
const replay = process.env.SIM_SEED
  ? {
      seed: Number(process.env.SIM_SEED),
      ...(process.env.SIM_PATH ? { path: process.env.SIM_PATH } : {}),
      endOnFailure: true,
    }
  : {};

describe('the control loop under every interleaving', () => {
  it('keeps every invariant, and every burst ends once pressure ends', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.nat(),
        // Half the runs hear the site from the start: a site never heard from is never lost.
        fc
          .tuple(fc.boolean(), fc.array(stepArbitrary, { minLength: 5, maxLength: 60 }))
          .map(([up, steps]): Step[] => (up ? [{ kind: 'site', up: true }, ...steps] : steps)),
        // The site is watched, with or without a witness, so `site` and `witness` steps matter.
        fc.boolean(),
        async (s, seed, steps, witness) => {
          await simulate(steps, schedulingOf(s), seed, watchedSiteConfig({ witness }));
        },
      ),
      { numRuns: RUNS, ...replay },
    );
  });
});
