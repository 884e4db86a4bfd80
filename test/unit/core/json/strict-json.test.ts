import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseStrictJson } from '../../../../src/core/json/strict-json';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))),
  );

describe('parseStrictJson', () => {
  it('reads every document JSON.parse reads the same way, when it has no duplicate names', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'small', noUnicodeString: false }), (text) => {
        // Act
        const result = parseStrictJson(Buffer.from(text, 'utf8'));

        // Assess
        expect(result).toEqual({ ok: true, value: JSON.parse(text) });
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a member named __proto__ as data, as JSON.parse does, never as a prototype', () => {
    const result = parseStrictJson('{"__proto__": {"polluted": true}}');
    expect(result.ok && Object.hasOwn(result.value as object, '__proto__')).toBe(true);
    expect(result.ok && (result.value as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('reads escapes and surrogate pairs', () => {
    expect(parseStrictJson('["\\u00e9\\ud83d\\ude00\\n\\"\\/"]')).toEqual({ ok: true, value: ['é😀\n"/'] });
  });

  it.each([
    ['a lone continuation byte', bytes('{"a":"', [0x80], '"}'), 6],
    ['a truncated sequence', bytes('{"a":"', [0xc3], '"}'), 6],
    ['an overlong encoding of "/"', bytes('{"a":"', [0xc0, 0xaf], '"}'), 6],
    ['an encoded surrogate', bytes('{"a":"', [0xed, 0xa0, 0x80], '"}'), 6],
    ['a code point above U+10FFFF', bytes('{"a":"', [0xf4, 0x90, 0x80, 0x80], '"}'), 6],
    ['0xFF, in a member name', bytes('{"', [0xff], '":1}'), 2],
  ])('refuses invalid UTF-8 (%s), naming its byte offset', (_, input, offset) => {
    expect(parseStrictJson(input)).toEqual({
      ok: false,
      problem: 'invalid_utf8',
      offset,
      message: `invalid UTF-8 at byte ${offset}`,
    });
  });

  it('refuses a duplicate member name where it repeats, even when written with escapes', () => {
    expect(parseStrictJson('{"status":"resolved", "st\\u0061tus":"firing"}')).toEqual({
      ok: false,
      problem: 'duplicate_key',
      offset: 22,
      message: 'duplicate member name "status" at byte 22',
    });
  });

  it('allows the same name in different objects', () => {
    expect(parseStrictJson('[{"a":1},{"a":2}]').ok).toBe(true);
  });

  it.each([
    ['NaN', '{"value": NaN}', 10, 'NaN at byte 10 is not a JSON number'],
    ['Infinity', '[Infinity]', 1, 'Infinity at byte 1 is not a JSON number'],
    ['-Infinity', '[1, -Infinity]', 4, '-Infinity at byte 4 is not a JSON number'],
    ['1e400', '{"v":1e400}', 5, 'number 1e400 at byte 5 is too large for a double'],
  ])('refuses %s as a non-finite number', (_, text, offset, message) => {
    expect(parseStrictJson(text)).toEqual({ ok: false, problem: 'non_finite_number', offset, message });
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses one more, at the opening bracket`, () => {
    const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    expect(parseStrictJson(deep(MAX_JSON_DEPTH)).ok).toBe(true);
    expect(parseStrictJson(deep(MAX_JSON_DEPTH + 1))).toEqual({
      ok: false,
      problem: 'nesting_too_deep',
      offset: MAX_JSON_DEPTH,
      message: `objects and arrays nested deeper than ${MAX_JSON_DEPTH} levels at byte ${MAX_JSON_DEPTH}`,
    });
  });

  it('refuses a million nested brackets without exhausting the stack', () => {
    expect(parseStrictJson('['.repeat(1_000_000))).toMatchObject({ ok: false, problem: 'nesting_too_deep' });
  });

  it.each([
    ['', 0, 'the body is empty'],
    ['{"a":1,}', 7, "expected a member name in quotes, found '}' at byte 7"],
    ['{"a":1} x', 8, "unexpected 'x' after the JSON value at byte 8"],
    ['{"a":"tab\there"}', 9, 'control character U+0009 inside a string at byte 9 (it must be escaped)'],
    ['["\\ud800"]', 2, 'escaped lone surrogate \\ud800 at byte 2 is not Unicode text'],
    ['[01]', 1, 'invalid number 01 at byte 1'],
    ["{'a':1}", 1, "expected a member name in quotes, found ''' at byte 1"],
    ['{"a":"open', 5, 'string starting at byte 5 is not closed'],
    ['\ufeff{}', 0, 'a byte order mark, which JSON does not allow, at byte 0'],
  ])('refuses %j as malformed JSON at byte %d', (text, offset, message) => {
    expect(parseStrictJson(text)).toEqual({ ok: false, problem: 'malformed_json', offset, message });
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (input) => {
        const result = parseStrictJson(input);
        if (!result.ok) expect(result.offset).toBeLessThanOrEqual(input.length);
      }),
      { numRuns: 1000 },
    );
  });
});
