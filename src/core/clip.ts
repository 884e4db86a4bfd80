/**
 * `text` within `max` UTF-16 units, an ellipsis saying it was cut. Never cut inside a surrogate
 * pair: half an emoji is not text, and DynamoDB refuses a string that is not valid UTF-8.
 */
export function clipped(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
