/**
 * Builds one function for the CDK construct, in a process of its own: CDK bundles synchronously
 * and esbuild's plugins need its asynchronous API. `node --import tsx infra/bundle-function.ts
 * <entry> <output directory> <sealed config file>`.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { functionBuildOptions } from '../src/runtime/bundling';
import { BUNDLED_CONFIG_FILE } from '../src/runtime/env-names';

const [entry, outputDirectory, configFile] = process.argv.slice(2);
if (!entry || !outputDirectory || !configFile) {
  console.error('usage: bundle-function.ts <entry> <output directory> <sealed config file>');
  process.exit(2);
}
await build(functionBuildOptions(entry, join(outputDirectory, 'index.mjs')));
copyFileSync(configFile, join(outputDirectory, BUNDLED_CONFIG_FILE));
