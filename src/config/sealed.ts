import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';
import type { SpillwayConfig } from './schema';

/**
 * The functions read the config the build validated, sealed with its digest (`src/config/seal.ts`
 * writes it: the CDK bundling and the local runtime). Checking the seal costs one hash; validating
 * again would put the schema and its ~9 ms of construction and parsing into every cold start, and
 * the bundle cannot hold a config the build did not validate unless someone edited it afterwards,
 * which the digest catches.
 */
export const SEALED_CONFIG_FORMAT = 'spillway-config/1';

export interface SealedConfig {
  readonly format: typeof SEALED_CONFIG_FORMAT;
  /** sha256 (hex) of `JSON.stringify(config)`. */
  readonly sha256: string;
  readonly config: SpillwayConfig;
}

export const configDigest = (config: unknown): string =>
  createHash('sha256').update(JSON.stringify(config)).digest('hex');

/** Reads a sealed config; a file that is not one, or was changed since it was sealed, is refused. */
export function readSealedConfig(path: string): SpillwayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read Spillway config ${path}: ${(cause as Error).message}`, path, [], {
      cause,
    });
  }
  let document: Partial<SealedConfig> | null;
  try {
    document = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(
      `Spillway config ${path} is not valid JSON: ${(cause as Error).message}`,
      path,
      [],
      {
        cause,
      },
    );
  }
  if (typeof document !== 'object' || document === null || document.format !== SEALED_CONFIG_FORMAT) {
    throw new ConfigError(
      `Spillway config ${path} is not a sealed config (format ${SEALED_CONFIG_FORMAT}): the functions read ` +
        'only the config their build validated, never a file written by hand',
      path,
    );
  }
  if (document.sha256 !== configDigest(document.config)) {
    throw new ConfigError(
      `Spillway config ${path} was changed after it was validated (its sha256 does not match its content): ` +
        'change the YAML and deploy again instead of editing the bundled file',
      path,
    );
  }
  return deepFreeze(document.config as SpillwayConfig);
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
