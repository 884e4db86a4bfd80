import { digest } from '../ids';

/**
 * Hostile input at the edge: labels and names come from whoever can reach a monitor, so nothing a
 * sender writes reaches a log line, a DynamoDB key or an ECS tag without passing through here.
 */

/** C0 and C1 controls, DEL, zero-width and bidi controls, line and paragraph separators, BOM. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's job.
const INVISIBLE_OR_CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;
/** A UTF-16 surrogate without its partner: not text, and some JSON encoders reject it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Printable ASCII words separated by single spaces: already clean, whatever the steps below do. */
const PLAIN = /^[!-~]+(?: [!-~]+)*$/;

/**
 * Free text made safe to log and store: NFC-normalised, controls and invisible characters replaced
 * by a space, runs of blanks collapsed, at most `max` code points (an ellipsis marks a cut).
 */
export function cleanText(value: string, max: number): string {
  // Most text is printable ASCII words with single spaces: nothing below would change it.
  if (value.length <= max && PLAIN.test(value)) return value;
  return cleanTextFully(value, max);
}

/** cleanText without its shortcut: every step, whatever the text. */
export function cleanTextFully(value: string, max: number): string {
  // Cutting first bounds the work on a 1 MiB label; the final cut below is the exact one.
  const cleaned = value
    .slice(0, max * 4)
    .replace(LONE_SURROGATE, '\ufffd')
    .normalize('NFC')
    .replace(INVISIBLE_OR_CONTROL, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const points = Array.from(cleaned);
  return points.length <= max ? cleaned : `${points.slice(0, max - 1).join('')}…`;
}

/** The characters ECS allows in tag values (and that need no escaping anywhere else). */
const TAG_SAFE = /^[A-Za-z0-9 +\-=._:/@]*$/;
export const ECS_TAG_VALUE_MAX = 256;

export const isTagSafe = (value: string): boolean =>
  value.length <= ECS_TAG_VALUE_MAX && TAG_SAFE.test(value);

/** Any text as an ECS tag value: disallowed characters become `_`, cut at 256 characters. */
export function tagValue(value: string): string {
  return cleanText(value, ECS_TAG_VALUE_MAX).replace(/[^A-Za-z0-9 +\-=._:/@]/g, '_');
}

/** Identifiers this long or longer are replaced by their digest. */
const KEY_PART_MAX = 160;

/**
 * An identifier from a payload (fingerprint, event id, host name) as part of an alert key: kept as
 * it is when it is short and tag-safe without blanks, otherwise replaced by `sha256=<digest>`,
 * which stays unique and stable for the same input.
 */
export function keyPart(value: string): string {
  return value.length > 0 && value.length <= KEY_PART_MAX && /^[A-Za-z0-9+\-=._:/@]+$/.test(value)
    ? value
    : `sha256=${digest([value], 32)}`;
}
