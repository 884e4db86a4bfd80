import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { formatIssuePath } from './issue-path';
import { type SpillwayConfig, spillwayConfigSchema } from './schema';

/** Raised when a configuration file is missing, unreadable, or does not match the schema. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly source: string,
    readonly issues: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatIssuePath(issue.path) || '(root)'}: ${issue.message}`);
}

/** Validates an already parsed document; `source` names it in errors. */
export function parseConfig(document: unknown, source: string): SpillwayConfig {
  const result = spillwayConfigSchema.safeParse(document);
  if (!result.success) {
    const issues = describeIssues(result.error);
    throw new ConfigError(`invalid Spillway config ${source}:\n  ${issues.join('\n  ')}`, source, issues);
  }
  return deepFreeze(result.data);
}

/** Reads and validates a YAML (or JSON) configuration file. */
export function loadConfigFile(path: string): SpillwayConfig {
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
