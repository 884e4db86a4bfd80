import { expect } from 'vitest';
import type { NormaliseResult } from '../../../../src/core/normalise/result';

/**
 * What every normaliser promises for any input: either signals the core can use as they are, or a
 * rejection with one of the known codes and a message. Anything else is a bug at the edge.
 */
export function expectWellFormed(result: NormaliseResult, knownWorkloads: ReadonlySet<string>): void {
  if (!result.ok) {
    expect(['malformed', 'unknown_workload']).toContain(result.code);
    expect(typeof result.message).toBe('string');
    expect(result.message.length).toBeGreaterThan(0);
    if (result.fields !== undefined) {
      expect(Array.isArray(result.fields)).toBe(true);
      for (const field of result.fields) expect(typeof field).toBe('string');
    }
    return;
  }
  for (const signal of result.signals) {
    expect(knownWorkloads.has(signal.workload)).toBe(true);
    expect(['alertmanager', 'cloudwatch']).toContain(signal.source);
    expect(['firing', 'resolved']).toContain(signal.state);
    expect(['info', 'warning', 'critical']).toContain(signal.severity);
    expect(new Date(signal.observedAt).toISOString()).toBe(signal.observedAt);
    expect(signal.id).toMatch(/^sig-[0-9a-f]{20}$/);
    expect(signal.dedupKey).toMatch(/^(alertmanager|cloudwatch):[0-9a-f]{24}$/);
    expect(signal.alertKey.startsWith(`${signal.source}:`)).toBe(true);
    if (signal.value !== undefined) expect(Number.isFinite(signal.value)).toBe(true);
    if (signal.summary !== undefined) expect(signal.summary.length).toBeLessThanOrEqual(256);
  }
  for (const ignored of result.ignored) {
    expect(typeof ignored.item).toBe('string');
    expect(ignored.reason.length).toBeGreaterThan(0);
  }
}
