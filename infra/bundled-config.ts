import { createHash } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpillwayConfig } from '../src/config/schema';
import { sealConfig } from '../src/config/seal';

/**
 * Writes the validated config (defaults applied), sealed with its digest (`src/config/seal.ts`), and returns the file's path, for the
 * bundling hook to copy next to each function's code. The name carries a digest of the content, so
 * synths of different environments or revisions never share a file.
 */
export function writeBundledConfig(config: SpillwayConfig): string {
  const json = sealConfig(config, `the ${config.environment} config`);
  const digest = createHash('sha256').update(json).digest('hex').slice(0, 16);
  const path = join(tmpdir(), `spillway-config-${config.environment}-${digest}.json`);
  // Write then rename: parallel synths (test workers) may write the same file while one bundles.
  const partial = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(partial, json);
  renameSync(partial, path);
  return path;
}
