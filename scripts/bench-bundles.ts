/**
 * Each function's bundle, built as deployed: its size against the budgets, and what importing it
 * adds to a cold start. A figure, not a test (test/infra/bundle-size.test.ts asserts the sizes).
 *
 * Cold import: wall time of a fresh `node -e "await import(bundle)"` minus the median wall time of a
 * fresh `node -e ''`, both with the function's deployed environment (which sets no NODE_OPTIONS: the
 * handlers read the source map at an instance's first escaping error, not at every start) and
 * taken in turn so that a load on this shared machine hits both alike.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BUNDLE_BUDGET,
  buildFunctionBundle,
  deployedEnvironment,
  FUNCTIONS,
  type FunctionBundle,
} from './function-bundles';
import { percentile, sortedCopy } from './measure';

export const COLD_IMPORT_TARGET_MS = 60;
/** Fresh processes per figure; BENCH_BUNDLE_RUNS lowers it for a quick look (or the smoke test). */
const RUNS = Number(process.env.BENCH_BUNDLE_RUNS ?? 25);

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function wallMs(script: string, env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`node exited with ${run.status}: ${run.stderr}`);
  return ms;
}

/** Cold import times in ms, one per fresh process, over the bare node start. */
export function coldImportMs(bundle: FunctionBundle, runs = RUNS): { bare: number[]; imports: number[] } {
  const env = deployedEnvironment(bundle);
  const script = `await import(${JSON.stringify(bundle.file)});`;
  const bare: number[] = [];
  const whole: number[] = [];
  for (let i = 0; i < runs; i++) {
    bare.push(wallMs('', env));
    whole.push(wallMs(script, env));
  }
  const bareMedian = percentile(sortedCopy(bare), 50);
  return { bare, imports: whole.map((ms) => ms - bareMedian) };
}

function verdict(value: number, budget: number): string {
  return value <= budget ? 'ok' : 'OVER';
}

export async function benchBundles(): Promise<void> {
  // Outside the repository, as in Lambda: no node_modules for a bundle to fall back on.
  const directory = mkdtempSync(join(tmpdir(), 'spillway-bench-bundles-'));
  try {
    console.log(
      `bundles   built as deployed; sizes are of the code file (index.mjs), not of the source map shipped beside it; cold import = wall time of a fresh \`node --input-type=module -e 'await import(handler)'\` minus the median of a bare \`node --input-type=module -e ''\`, ${RUNS} of each, in turn, with the deployed environment (no --enable-source-maps: stacks are mapped at the first escaping error)`,
    );
    for (const fn of FUNCTIONS) {
      const bundle = await buildFunctionBundle(fn, directory);
      const { bare, imports } = coldImportMs(bundle);
      const sorted = sortedCopy(imports);
      const median = percentile(sorted, 50);
      const p90 = percentile(sorted, 90);
      const { minifiedBytes, gzipBytes } = BUNDLE_BUDGET;
      console.log(
        [
          `bundle    ${fn.padEnd(10)}`,
          `${kb(bundle.minifiedBytes).padStart(8)} minified (≤ ${minifiedBytes / 1024} KB: ${verdict(bundle.minifiedBytes, minifiedBytes)})  `,
          `${kb(bundle.gzipBytes).padStart(8)} gzipped (≤ ${gzipBytes / 1024} KB: ${verdict(bundle.gzipBytes, gzipBytes)})  `,
          `cold import over bare node: median ${median.toFixed(0)} ms, p90 ${p90.toFixed(0)} ms `,
          `(≤ ${COLD_IMPORT_TARGET_MS} ms: median ${verdict(median, COLD_IMPORT_TARGET_MS)}, p90 ${verdict(p90, COLD_IMPORT_TARGET_MS)}; `,
          `bare node ${percentile(sortedCopy(bare), 50).toFixed(0)} ms)`,
        ].join(''),
      );
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

// `npx tsx scripts/bench-bundles.ts`: this part of `make bench` alone.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchBundles().catch((error: Error) => {
    console.error(`bench failed: ${error.message}`);
    process.exit(1);
  });
}
