import type { Severity } from '../signal';

const aliases: Record<string, Severity> = {
  critical: 'critical',
  crit: 'critical',
  page: 'critical',
  high: 'critical',
  disaster: 'critical',
  error: 'critical',
  warning: 'warning',
  warn: 'warning',
  average: 'warning',
  medium: 'warning',
  info: 'info',
  information: 'info',
  low: 'info',
  none: 'info',
};

/** Maps the severity words monitors use onto Spillway's three; unknown words count as warnings. */
export function normaliseSeverity(word: string | undefined): Severity {
  if (!word) return 'warning';
  const key = word.trim().toLowerCase();
  // Own properties only: 'constructor' or '__proto__' must not reach Object.prototype.
  return Object.hasOwn(aliases, key) ? (aliases[key] as Severity) : 'warning';
}
