import { createHash } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpillwayConfig } from '../src/config/schema';

/**
 * Writes the validated config (defaults applied) as JSON and returns the file's path, for the
 * bundling hook to copy next to each function's code. The name carries a digest of the content, so
 * synths of different environments or revisions never share a file.
 */
export function writeBundledConfig(config: SpillwayConfig): string {
  const json = `${JSON.stringify(config, null, 2)}\n`;
  const digest = createHash('sha256').update(json).digest('hex').slice(0, 16);
  const path = join(tmpdir(), `spillway-config-${config.environment}-${digest}.json`);
  // Write then rename: parallel synths (test workers) may write the same file while one bundles.
  const partial = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(partial, json);
  renameSync(partial, path);
  return path;
}
