import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { ConfigError } from './config-error';
import { formatIssuePath } from './issue-path';
import { type SpillwayConfig, spillwayConfigSchema } from './schema';
import { deepFreeze } from './sealed';

export { ConfigError } from './config-error';

/**
 * zod/mini ships no locale, so without one every generic issue reads "Invalid input". English (about
 * 3 KB) gives the messages classic zod gives, such as "Invalid input: expected number, received
 * string". Imported by name: `z.locales.en` would bundle every locale (about 250 KB). Passed per
 * parse rather than through the global `z.config`, so it neither depends on nor changes what other
 * zod users in the same process configure.
 */
const englishMessages = en().localeError;

function describeIssues(error: z.core.$ZodError): string[] {
  return error.issues.map((issue) => `${formatIssuePath(issue.path) || '(root)'}: ${issue.message}`);
}

/** Validates an already parsed document; `source` names it in errors. */
export function parseConfig(document: unknown, source: string): SpillwayConfig {
  const result = z.safeParse(spillwayConfigSchema, document, { error: englishMessages });
  if (!result.success) {
    const issues = describeIssues(result.error);
    throw new ConfigError(`invalid Spillway config ${source}:\n  ${issues.join('\n  ')}`, source, issues);
  }
  return deepFreeze(result.data);
}
