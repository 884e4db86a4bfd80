import type * as z from 'zod';
import { formatIssuePath } from '../../config/issue-path';

/** `alerts[0].startsAt: Invalid ISO datetime` for each issue, the form every 400 answer uses. */
export function describeZodIssues(error: z.ZodError): { message: string; fields: string[] } {
  const fields = error.issues.map((issue) => formatIssuePath(issue.path) || '(root)');
  const message = error.issues
    .slice(0, 10)
    .map((issue) => `${formatIssuePath(issue.path) || '(root)'}: ${issue.message}`)
    .join('; ');
  return { message, fields };
}
