import { type Rejection, reject } from './result';

/**
 * Characters no identifier of a real alert holds: C0 and C1 controls, DEL, line and paragraph
 * separators, and the bidirectional controls that make text display other than it is. An
 * identifier carrying one is refused rather than cleaned: cleaning would make two different
 * alerts one, or make a hostile name pass for a real one in logs. Look-alike letters (Cyrillic
 * `а` for Latin `a`) are letters: they stay as sent, never folded into ASCII, so they name another
 * workload or alert.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's job.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u;

/**
 * Where a source's identifiers are: dotted paths where `[]` stands for every item of an array and
 * `{}` for every member name of an object (label names). Descriptive text (summaries, other
 * label values, outputs) is not listed: it is cleaned, not refused.
 */
export type IdentifierPath = string;

const codePoint = (char: string) =>
  `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * 422 `control_character` naming the first identifier that holds a forbidden character, looked up
 * in the raw document before its schema is applied, so the answer does not depend on which other
 * rule the same field breaks.
 */
export function controlCharacterAt(
  document: unknown,
  paths: readonly IdentifierPath[],
): Rejection | undefined {
  for (const path of paths) {
    for (const [field, value] of valuesAt(document, path.split('.'), '')) {
      const rejection = controlCharacterIn(field, value);
      if (rejection) return rejection;
    }
  }
  return undefined;
}

/** The same check for one value whose place a path cannot name (the value of one chosen tag). */
export function controlCharacterIn(field: string, value: string): Rejection | undefined {
  const found = FORBIDDEN.exec(value);
  if (!found) return undefined;
  return reject(
    'control_character',
    `${field}: control character ${codePoint(found[0])} at position ${found.index} of an identifier`,
    [field],
  );
}

function* valuesAt(value: unknown, segments: readonly string[], prefix: string): Generator<[string, string]> {
  const [segment, ...rest] = segments;
  if (segment === undefined) {
    if (typeof value === 'string') yield [prefix || '(root)', value];
    return;
  }
  // Trailing `[]` on a segment: the member, then each of its items.
  const items = segment.endsWith('[]');
  const name = items ? segment.slice(0, -2) : segment;
  if (typeof value !== 'object' || value === null) return;
  if (name === '{}') {
    for (const key of Object.keys(value)) yield [prefix, key];
    return;
  }
  if (Array.isArray(value) || !Object.hasOwn(value, name)) return;
  const member = (value as Record<string, unknown>)[name];
  const at = prefix ? `${prefix}.${name}` : name;
  if (!items) {
    yield* valuesAt(member, rest, at);
    return;
  }
  if (!Array.isArray(member)) return;
  for (const [index, item] of member.entries()) yield* valuesAt(item, rest, `${at}[${index}]`);
}
