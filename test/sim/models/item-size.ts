/**
 * The size DynamoDB counts against its 400 KB item limit, by the rules AWS documents ("Item sizes
 * and formats"), for an item as the document client is given it: attribute names and map keys in
 * UTF-8 bytes, strings in UTF-8 bytes, binary in raw bytes, a number 1 byte plus 1 per two
 * significant digits, booleans and nulls 1 byte, and 3 bytes plus 1 per element for every map and
 * list. A JSON measure overcounts a state stored as a JSON string (every quote inside is escaped)
 * and undercounts nothing that matters, so the table model measures items this way.
 */
export function itemSizeBytes(item: Readonly<Record<string, unknown>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item))
    if (value !== undefined) bytes += utf8(name) + valueBytes(value);
  return bytes;
}

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numberBytes(value);
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) {
    let bytes = 3;
    for (const element of value) bytes += 1 + valueBytes(element);
    return bytes;
  }
  if (typeof value === 'object') {
    let bytes = 3;
    for (const [key, element] of Object.entries(value as Record<string, unknown>))
      if (element !== undefined) bytes += 1 + utf8(key) + valueBytes(element);
    return bytes;
  }
  throw new TypeError(`DynamoDB stores no ${typeof value}`);
}

function numberBytes(value: number | bigint): number {
  const digits = String(value)
    .replace(/e.*$/i, '')
    .replace(/[^0-9]/g, '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return 1 + Math.ceil(Math.max(digits.length, 1) / 2);
}
