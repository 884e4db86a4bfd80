import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanText, cleanTextFully } from '../../../../src/core/normalise/text';

describe('cleanText', () => {
  it('answers exactly what every cleaning step would, shortcut or not', () => {
    const ascii = fc.string({
      unit: fc.constantFrom('a', 'Z', '0', ' ', '  ', '-', '~', '\t', '\n', '\u007f'),
    });
    const anything = fc.string({ unit: 'grapheme' });
    const surrogates = fc.string({ unit: 'binary' });
    fc.assert(
      fc.property(fc.oneof(ascii, anything, surrogates), fc.integer({ min: 1, max: 40 }), (value, max) => {
        expect(cleanText(value, max)).toBe(cleanTextFully(value, max));
      }),
      { numRuns: 20_000 },
    );
  });

  it('keeps plain text as it is, and cleans what is not plain', () => {
    expect(cleanText('HighRequestRate on checkout', 64)).toBe('HighRequestRate on checkout');
    expect(cleanText(' two  spaces ', 64)).toBe('two spaces');
    expect(cleanText('tab\there', 64)).toBe('tab here');
    expect(cleanText('abcdef', 4)).toBe('abc…');
  });
});
