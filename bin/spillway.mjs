#!/usr/bin/env node
// The operator CLI. In a checkout it runs the sources through tsx; a production install, without
// tsx, runs the build (`make cli`, dist/spillway.mjs), which needs Node.js alone.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env };
// In a checkout (tsx installed) the sources run, so an old build never stands in for the code;
// a production install has no tsx and runs the build.
let tsx;
try {
  tsx = pathToFileURL(createRequire(resolve(root, 'package.json')).resolve('tsx')).href;
} catch {
  tsx = undefined;
}
const built = resolve(root, 'dist/spillway.mjs');
if (!tsx && !existsSync(built)) {
  console.error('spillway: neither tsx nor the built CLI (dist/spillway.mjs) is here: run `make cli`');
  process.exit(1);
}
// `--import tsx` alone resolves tsx from the working directory, which fails anywhere but the
// repository root; resolved from here, the CLI runs from any directory.
const args = tsx
  ? ['--import', tsx, resolve(root, 'src/cli/main.ts'), ...process.argv.slice(2)]
  : [built, ...process.argv.slice(2)];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', env });
process.exit(result.status ?? 1);
