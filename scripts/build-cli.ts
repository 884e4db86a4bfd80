/**
 * Builds the operator CLI into one file, `dist/spillway.mjs`, that runs on Node.js alone: a
 * production install (no tsx, no dev dependencies) runs `spillway` from it. `bin/spillway.mjs`
 * prefers it when it is there.
 */
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { ESM_REQUIRE_BANNER } from '../src/runtime/bundling';

export const CLI_BUNDLE = resolve(import.meta.dirname, '../dist/spillway.mjs');

export async function buildCli(outfile = CLI_BUNDLE): Promise<void> {
  await build({
    entryPoints: [resolve(import.meta.dirname, '../src/cli/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    banner: { js: ESM_REQUIRE_BANNER },
    logLevel: 'warning',
  });
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  await buildCli();
  console.log(`built ${CLI_BUNDLE}`);
}
