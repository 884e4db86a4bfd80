#!/usr/bin/env node
// The operator CLI. It runs the TypeScript sources through tsx, as every local tool here does.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// `--import tsx` alone resolves tsx from the working directory, which fails anywhere but the
// repository root; resolved from here, the CLI runs from any directory.
const tsx = pathToFileURL(createRequire(resolve(root, 'package.json')).resolve('tsx')).href;
const result = spawnSync(
  process.execPath,
  ['--import', tsx, resolve(root, 'src/cli/main.ts'), ...process.argv.slice(2)],
  { stdio: 'inherit', env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env } },
);
process.exit(result.status ?? 1);
