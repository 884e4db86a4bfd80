#!/usr/bin/env node
// The operator CLI. Built (`make cli`, dist/spillway.mjs) it runs on Node.js alone, as a
// production install has it; in a checkout without the build it runs the sources through tsx.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const built = resolve(root, 'dist/spillway.mjs');
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env };
let args;
if (existsSync(built)) {
  args = [built, ...process.argv.slice(2)];
} else {
  // `--import tsx` alone resolves tsx from the working directory, which fails anywhere but the
  // repository root; resolved from here, the CLI runs from any directory.
  const tsx = pathToFileURL(createRequire(resolve(root, 'package.json')).resolve('tsx')).href;
  args = ['--import', tsx, resolve(root, 'src/cli/main.ts'), ...process.argv.slice(2)];
}
const result = spawnSync(process.execPath, args, { stdio: 'inherit', env });
process.exit(result.status ?? 1);
