import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipped } from '../../../src/core/clip';

describe('clipped', () => {
  it('keeps text within the bound, and leaves short text alone', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.integer({ min: 1, max: 30 }),
        (text, max) => {
          const out = clipped(text, max);
          expect(out.length).toBeLessThanOrEqual(Math.max(max, 1));
          if (text.length <= max) expect(out).toBe(text);
          else expect(out.endsWith('…')).toBe(true);
        },
      ),
    );
  });

  it('never cuts a surrogate pair in half', () => {
    // Prepare: the cut falls between the two halves of 🔥
    const text = `abc🔥${'x'.repeat(20)}`;

    // Act
    const out = clipped(text, 5);

    // Assess
    expect(out).toBe('abc…');
    expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});
