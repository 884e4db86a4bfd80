import fc from 'fast-check';
import { describe, it } from 'vitest';
import { stepArbitrary } from './ops';
import { schedulingOf, simulate } from './setup';

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
        fc.array(stepArbitrary, { minLength: 5, maxLength: 60 }),
        async (s, seed, steps) => {
          await simulate(steps, schedulingOf(s), seed);
        },
      ),
      { numRuns: RUNS, ...replay },
    );
  });
});
