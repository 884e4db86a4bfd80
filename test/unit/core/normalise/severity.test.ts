import { describe, expect, it } from 'vitest';
import { normaliseSeverity } from '../../../../src/core/normalise/severity';

describe('normaliseSeverity', () => {
  it.each([
    ['critical', 'critical'],
    ['crit', 'critical'],
    ['page', 'critical'],
    ['high', 'critical'],
    ['disaster', 'critical'],
    ['error', 'critical'],
    ['warning', 'warning'],
    ['warn', 'warning'],
    ['average', 'warning'],
    ['medium', 'warning'],
    ['info', 'info'],
    ['information', 'info'],
    ['low', 'info'],
    ['none', 'info'],
  ])('maps the monitor word %s to %s', (word, severity) => {
    expect(normaliseSeverity(word)).toBe(severity);
  });

  it('ignores case and surrounding blanks', () => {
    expect([normaliseSeverity(' CRITICAL '), normaliseSeverity('Warn'), normaliseSeverity('\tInfo')]).toEqual(
      ['critical', 'warning', 'info'],
    );
  });

  it('counts a missing, empty or unknown word as a warning', () => {
    expect([normaliseSeverity(undefined), normaliseSeverity(''), normaliseSeverity('p1')]).toEqual([
      'warning',
      'warning',
      'warning',
    ]);
  });

  // BUG (reported): the alias table is a plain object, so a label value that names an
  // Object.prototype property comes back as that property (the Object function, the prototype)
  // instead of a severity. The signal then loses its severity on the queue and lands in the DLQ.
  it('counts words that name Object.prototype properties as unknown (a warning)', () => {
    expect([
      normaliseSeverity('constructor'),
      normaliseSeverity('__proto__'),
      normaliseSeverity('Constructor'),
    ]).toEqual(['warning', 'warning', 'warning']);
  });
});
