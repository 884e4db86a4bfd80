import type { $ZodError } from 'zod/v4/core';
import { formatIssuePath } from '../../config/issue-path';
import { cleanText } from './text';

/**
 * `alerts[0].startsAt: Invalid ISO datetime` for each issue, the form every 400 answer uses. Paths
 * are built from the sender's own keys, so they are cleaned like any other text from a payload.
 * Typed on the core error so that it takes classic zod's `ZodError` and zod/mini's alike.
 */
export function describeZodIssues(error: $ZodError): { message: string; fields: string[] } {
  const paths = error.issues.map((issue) => cleanText(formatIssuePath(issue.path), 200) || '(root)');
  const message = error.issues
    .slice(0, 10)
    .map((issue, index) => `${paths[index]}: ${cleanText(issue.message, 200)}`)
    .join('; ');
  return { message, fields: paths.slice(0, 50) };
}
