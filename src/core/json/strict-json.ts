/**
 * A JSON parser that refuses what `JSON.parse` quietly accepts or repairs, so the bytes a
 * signature covers and the document Spillway acts on cannot differ:
 * - invalid UTF-8 (JSON.parse after a lenient decode turns it into U+FFFD);
 * - duplicate member names (JSON.parse keeps the last, another parser may keep the first);
 * - `NaN`, `Infinity` and numbers too large for a double (JSON.parse gives Infinity for 1e400);
 * - nesting deeper than `MAX_JSON_DEPTH` (no sender's payload nests beyond 6 levels);
 * - escaped lone surrogates (not Unicode text: I-JSON, RFC 7493, forbids them).
 * Errors name the problem and the byte offset where it starts.
 */

/** Objects and arrays inside one another; the deepest real payload (Grafana's `values`) is 4. */
export const MAX_JSON_DEPTH = 32;

export type JsonProblem =
  | 'malformed_json'
  | 'invalid_utf8'
  | 'duplicate_key'
  | 'non_finite_number'
  | 'nesting_too_deep';

export interface JsonFailure {
  readonly ok: false;
  readonly problem: JsonProblem;
  /** Byte offset into the input (its UTF-8 encoding when given as text). */
  readonly offset: number;
  readonly message: string;
}

export type JsonResult = { readonly ok: true; readonly value: unknown } | JsonFailure;

class Refusal extends Error {
  constructor(
    readonly problem: JsonProblem,
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

export function parseStrictJson(input: Uint8Array | string, maxDepth = MAX_JSON_DEPTH): JsonResult {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  try {
    const invalid = firstInvalidUtf8(bytes);
    if (invalid !== undefined) {
      throw new Refusal('invalid_utf8', invalid, `invalid UTF-8 at byte ${invalid}`);
    }
    return { ok: true, value: new Reader(bytes, maxDepth).document() };
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    return { ok: false, problem: error.problem, offset: error.offset, message: error.message };
  }
}

/** The offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    // Ranges from the Unicode standard's table of well-formed sequences: no overlongs, no
    // surrogates (ED A0..BF), nothing above U+10FFFF.
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      const min = k === 1 ? low : 0x80;
      const max = k === 1 ? high : 0xbf;
      if (next === undefined || next < min || next > max) return i;
    }
    i += length;
  }
  return undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const ESCAPES: Record<number, string> = {
  34: '"',
  92: '\\',
  47: '/',
  98: '\b',
  102: '\f',
  110: '\n',
  114: '\r',
  116: '\t',
};
/** The bytes a number may be made of; the grammar is checked on the whole token. */
const isNumberByte = (byte: number | undefined) =>
  byte !== undefined &&
  ((byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2d ||
    byte === 0x2b ||
    byte === 0x2e ||
    byte === 0x65 ||
    byte === 0x45);
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/;

class Reader {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly maxDepth: number,
  ) {}

  document(): unknown {
    if (this.bytes[0] === 0xef && this.bytes[1] === 0xbb && this.bytes[2] === 0xbf) {
      throw this.malformed('a byte order mark, which JSON does not allow, at byte 0');
    }
    this.skipBlanks();
    if (this.pos >= this.bytes.length) throw this.malformed('the body is empty');
    const value = this.value();
    this.skipBlanks();
    if (this.pos < this.bytes.length) {
      throw this.malformed(`unexpected ${this.describe(this.pos)} after the JSON value at byte ${this.pos}`);
    }
    return value;
  }

  private value(): unknown {
    const byte = this.bytes[this.pos];
    switch (byte) {
      case 0x7b:
        return this.nested(() => this.object());
      case 0x5b:
        return this.nested(() => this.array());
      case QUOTE:
        return this.string();
      case 0x74:
        return this.literal('true', true);
      case 0x66:
        return this.literal('false', false);
      case 0x6e:
        return this.literal('null', null);
      case 0x4e:
      case 0x49:
        return this.nonFinite();
      default:
        if (byte === 0x2d || (byte !== undefined && byte >= 0x30 && byte <= 0x39)) return this.number();
        throw this.malformed(`expected a value, found ${this.describe(this.pos)} at byte ${this.pos}`);
    }
  }

  private nested<T>(read: () => T): T {
    if (++this.depth > this.maxDepth) {
      throw new Refusal(
        'nesting_too_deep',
        this.pos,
        `objects and arrays nested deeper than ${this.maxDepth} levels at byte ${this.pos}`,
      );
    }
    const value = read();
    this.depth--;
    return value;
  }

  private object(): Record<string, unknown> {
    this.pos++;
    const entries: [string, unknown][] = [];
    const names = new Set<string>();
    this.skipBlanks();
    if (this.bytes[this.pos] === 0x7d) {
      this.pos++;
      return {};
    }
    for (;;) {
      this.skipBlanks();
      const at = this.pos;
      if (this.bytes[at] !== QUOTE) {
        throw this.malformed(`expected a member name in quotes, found ${this.describe(at)} at byte ${at}`);
      }
      const name = this.string();
      if (names.has(name)) {
        throw new Refusal(
          'duplicate_key',
          at,
          `duplicate member name ${JSON.stringify(name.slice(0, 64))} at byte ${at}`,
        );
      }
      names.add(name);
      this.skipBlanks();
      this.expect(0x3a, "':' after a member name");
      this.skipBlanks();
      entries.push([name, this.value()]);
      this.skipBlanks();
      if (this.bytes[this.pos] === 0x2c) {
        this.pos++;
        continue;
      }
      this.expect(0x7d, "',' or '}' in an object");
      // fromEntries defines own properties, so a member named __proto__ stays data, as with JSON.parse.
      return Object.fromEntries(entries);
    }
  }

  private array(): unknown[] {
    this.pos++;
    const items: unknown[] = [];
    this.skipBlanks();
    if (this.bytes[this.pos] === 0x5d) {
      this.pos++;
      return items;
    }
    for (;;) {
      this.skipBlanks();
      items.push(this.value());
      this.skipBlanks();
      if (this.bytes[this.pos] === 0x2c) {
        this.pos++;
        continue;
      }
      this.expect(0x5d, "',' or ']' in an array");
      return items;
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos++;
    let text = '';
    let run = this.pos;
    for (;;) {
      const byte = this.bytes[this.pos];
      if (byte === undefined) throw this.malformed(`string starting at byte ${start} is not closed`, start);
      if (byte === QUOTE) {
        text += decoder.decode(this.bytes.subarray(run, this.pos));
        this.pos++;
        return text;
      }
      if (byte < 0x20) {
        throw this.malformed(
          `control character U+${byte.toString(16).padStart(4, '0').toUpperCase()} inside a string at byte ${this.pos} (it must be escaped)`,
        );
      }
      if (byte !== BACKSLASH) {
        this.pos++;
        continue;
      }
      text += decoder.decode(this.bytes.subarray(run, this.pos));
      text += this.escape();
      run = this.pos;
    }
  }

  private escape(): string {
    const at = this.pos;
    const kind = this.bytes[at + 1];
    if (kind !== undefined && Object.hasOwn(ESCAPES, kind)) {
      this.pos += 2;
      return ESCAPES[kind] as string;
    }
    if (kind !== 0x75) throw this.malformed(`invalid escape at byte ${at}`, at);
    const unit = this.hex4(at);
    this.pos = at + 6;
    if (unit >= 0xdc00 && unit <= 0xdfff) throw this.loneSurrogate(at, unit);
    if (unit < 0xd800 || unit > 0xdbff) return String.fromCharCode(unit);
    if (this.bytes[this.pos] !== BACKSLASH || this.bytes[this.pos + 1] !== 0x75) {
      throw this.loneSurrogate(at, unit);
    }
    const low = this.hex4(this.pos);
    if (low < 0xdc00 || low > 0xdfff) throw this.loneSurrogate(at, unit);
    this.pos += 6;
    return String.fromCharCode(unit, low);
  }

  private hex4(at: number): number {
    const digits = decoder.decode(this.bytes.subarray(at + 2, at + 6));
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) throw this.malformed(`invalid \\u escape at byte ${at}`, at);
    return Number.parseInt(digits, 16);
  }

  private loneSurrogate(at: number, unit: number): Refusal {
    return this.malformed(
      `escaped lone surrogate \\u${unit.toString(16)} at byte ${at} is not Unicode text`,
      at,
    );
  }

  private number(): number {
    const start = this.pos;
    if (this.bytes[start] === 0x2d && this.bytes[start + 1] === 0x49) return this.nonFinite();
    while (isNumberByte(this.bytes[this.pos])) this.pos++;
    const text = decoder.decode(this.bytes.subarray(start, this.pos));
    if (!NUMBER.test(text))
      throw this.malformed(`invalid number ${text.slice(0, 40)} at byte ${start}`, start);
    const value = Number(text);
    if (!Number.isFinite(value)) {
      throw new Refusal(
        'non_finite_number',
        start,
        `number ${text.slice(0, 40)} at byte ${start} is too large for a double`,
      );
    }
    return value;
  }

  private nonFinite(): never {
    const start = this.pos;
    const word = /^-?(NaN|Infinity)/.exec(decoder.decode(this.bytes.subarray(start, start + 9)))?.[0];
    if (!word) throw this.malformed(`expected a value, found ${this.describe(start)} at byte ${start}`);
    throw new Refusal('non_finite_number', start, `${word} at byte ${start} is not a JSON number`);
  }

  private literal<T>(word: string, value: T): T {
    for (let k = 0; k < word.length; k++) {
      if (this.bytes[this.pos + k] !== word.charCodeAt(k)) {
        throw this.malformed(`expected ${word} at byte ${this.pos}`);
      }
    }
    this.pos += word.length;
    return value;
  }

  private expect(byte: number, what: string): void {
    if (this.bytes[this.pos] !== byte) {
      throw this.malformed(`expected ${what}, found ${this.describe(this.pos)} at byte ${this.pos}`);
    }
    this.pos++;
  }

  private skipBlanks(): void {
    for (;;) {
      const byte = this.bytes[this.pos];
      if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return;
      this.pos++;
    }
  }

  /** A byte as the sender would recognise it, safe to echo: printable ASCII or its hex value. */
  private describe(at: number): string {
    const byte = this.bytes[at];
    if (byte === undefined) return 'the end of the body';
    return byte > 0x20 && byte < 0x7f
      ? `'${String.fromCharCode(byte)}'`
      : `byte 0x${byte.toString(16).padStart(2, '0')}`;
  }

  private malformed(message: string, at = this.pos): Refusal {
    return new Refusal('malformed_json', at, message);
  }
}
