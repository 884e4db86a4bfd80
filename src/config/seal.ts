import { parseConfig } from './parse';
import type { SpillwayConfig } from './schema';
import { configDigest, SEALED_CONFIG_FORMAT, type SealedConfig } from './sealed';

/**
 * The text of the sealed config the functions read (`readSealedConfig`): `config` validated once
 * more here, at build or start time, so that a config assembled in code (the local runtime's, with
 * the emulator's network filled in) is held to the schema like a file is. `source` names it in errors.
 */
export function sealConfig(config: SpillwayConfig, source: string): string {
  const valid = parseConfig(config, source);
  const sealed: SealedConfig = { format: SEALED_CONFIG_FORMAT, sha256: configDigest(valid), config: valid };
  return `${JSON.stringify(sealed, null, 2)}\n`;
}
