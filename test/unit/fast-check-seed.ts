import fc from 'fast-check';

/**
 * Property tests run with a fixed seed in CI, so a red build always reproduces. Set FC_SEED to
 * another number (or `random`) to explore new inputs locally; a failure prints its seed and path.
 */
const seed = process.env.FC_SEED;
if (seed !== 'random') fc.configureGlobal({ seed: Number(seed ?? 20_261_125) });
