import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, parseConfig } from './parse';
import type { SpillwayConfig } from './schema';

export { ConfigError, parseConfig } from './parse';

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read Spillway config ${path}: ${(cause as Error).message}`, path, [], {
      cause,
    });
  }
}

/** Reads and validates a YAML (or JSON) configuration file: the form people write. */
export function loadConfigFile(path: string): SpillwayConfig {
  const text = readText(path);
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (cause) {
    throw new ConfigError(
      `Spillway config ${path} is not valid YAML: ${(cause as Error).message}`,
      path,
      [],
      {
        cause,
      },
    );
  }
  return parseConfig(document, path);
}
