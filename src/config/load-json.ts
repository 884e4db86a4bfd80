import { readFileSync } from 'node:fs';
import { ConfigError, parseConfig } from './parse';
import type { SpillwayConfig } from './schema';

/**
 * Reads and validates the JSON config the functions are given (bundled by CDK, written by the
 * local runtime). JSON only, so the functions do not carry a YAML parser.
 */
export function loadJsonConfigFile(path: string): SpillwayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read Spillway config ${path}: ${(cause as Error).message}`, path, [], {
      cause,
    });
  }
  let document: unknown;
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
  return parseConfig(document, path);
}
