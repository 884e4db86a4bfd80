import type * as z from 'zod';
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
