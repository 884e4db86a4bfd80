import { expect } from 'vitest';
import type { NormaliseResult } from '../../../../src/core/normalise/result';
import { isTagSafe } from '../../../../src/core/normalise/text';
import { signalSources } from '../../../../src/core/signal';

// biome-ignore lint/suspicious/noControlCharactersInRegex: the check is that no control character gets through.
const CONTROL = /[\u0000-\u001f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above, with C1 controls and bidi overrides.
const CONTROL_OR_BIDI = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/;

/**
 * What every normaliser promises for any input: either signals the core can use as they are, or a
 * rejection with one of the known codes and a message. Anything else is a bug at the edge.
 */
export function expectWellFormed(result: NormaliseResult, knownWorkloads: ReadonlySet<string>): void {
  if (!result.ok) {
    expect(['malformed', 'unknown_workload']).toContain(result.code);
    expect(typeof result.message).toBe('string');
    expect(result.message.length).toBeGreaterThan(0);
    expect(result.message).not.toMatch(CONTROL);
    if (result.fields !== undefined) {
      expect(Array.isArray(result.fields)).toBe(true);
      for (const field of result.fields) expect(typeof field).toBe('string');
    }
    return;
  }
  for (const signal of result.signals) {
    expect(knownWorkloads.has(signal.workload)).toBe(true);
    expect(signalSources).toContain(signal.source);
    expect(['firing', 'resolved']).toContain(signal.state);
    expect(['info', 'warning', 'critical']).toContain(signal.severity);
    expect(new Date(signal.observedAt).toISOString()).toBe(signal.observedAt);
    expect(signal.observedAt >= '2000-01-01').toBe(true);
    expect(signal.id).toMatch(/^sig-[0-9a-f]{20}$/);
    expect(signal.dedupKey).toMatch(new RegExp(`^${signal.source}:[0-9a-f]{24}$`));
    expect(signal.alertKey.startsWith(`${signal.source}:`)).toBe(true);
    // Keys end up in DynamoDB, logs and possibly ECS tags: the tag rules are the strictest.
    expect(isTagSafe(signal.alertKey) && !signal.alertKey.includes(' ')).toBe(true);
    expect(isTagSafe(signal.workload)).toBe(true);
    if (signal.value !== undefined) expect(Number.isFinite(signal.value)).toBe(true);
    if (signal.summary !== undefined) {
      expect(Array.from(signal.summary).length).toBeLessThanOrEqual(256);
      expect(signal.summary).not.toMatch(CONTROL_OR_BIDI);
    }
  }
  for (const ignored of result.ignored) {
    expect(typeof ignored.item).toBe('string');
    expect(ignored.item).not.toMatch(CONTROL);
    expect(ignored.reason.length).toBeGreaterThan(0);
  }
}
