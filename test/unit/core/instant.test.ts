import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoAt, isoOf } from '../../../src/core/instant';

describe('isoAt', () => {
  it('is exactly what Date#toISOString says, for any instant Date can represent', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -8.64e15, max: 8.64e15 }),
          fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }),
        ),
        (ms) => {
          expect(isoAt(ms)).toBe(new Date(ms).toISOString());
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('agrees across day boundaries, in order and out of order', () => {
    const midnight = Date.UTC(2026, 11, 6);
    for (const ms of [
      midnight - 1,
      midnight,
      midnight + 1,
      midnight - 1,
      midnight + 86_399_999,
      midnight + 86_400_000,
    ])
      expect(isoAt(ms)).toBe(new Date(ms).toISOString());
    expect(isoOf(new Date(midnight + 1234))).toBe('2026-12-06T00:00:01.234Z');
  });

  it('throws for an invalid instant, as Date does', () => {
    expect(() => isoAt(Number.NaN)).toThrow(RangeError);
    expect(() => isoAt(8.64e15 + 1)).toThrow(RangeError);
  });
});
