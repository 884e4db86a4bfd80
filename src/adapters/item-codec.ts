import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** An item as the adapters read and write it: JSON-like values, keyed by attribute name. */
export type Item = Record<string, unknown>;
export type Attributes = Record<string, AttributeValue>;

const INEXACT = 'is beyond the numbers a JavaScript number holds exactly';

/** A value the state table cannot hold as written: a bug in the caller, never retried. */
export class ItemCodecError extends Error {
  override readonly name = 'ItemCodecError';
}

/**
 * JSON-like values to DynamoDB attribute values and back: strings, finite numbers, booleans,
 * null, arrays and plain objects, which is all the state table holds. `undefined` is left out of
 * maps and lists (as the document client's `removeUndefinedValues`); anything else (a Date, a Set,
 * NaN, a number beyond 2^53 that would not read back exact) is refused rather than stored in a
 * shape nobody reads back. The SDK's document client does
 * the same in 10 KB of every bundle that reads the table; this is what of it the table needs.
 */
export function toAttributeValue(value: unknown, path = '(item)'): AttributeValue {
  switch (typeof value) {
    case 'string':
      return { S: value };
    case 'boolean':
      return { BOOL: value };
    case 'number':
      if (!Number.isFinite(value)) throw new ItemCodecError(`${path}: ${value} is not a finite number`);
      if (Math.abs(value) > Number.MAX_SAFE_INTEGER) throw new ItemCodecError(`${path}: ${value} ${INEXACT}`);
      return { N: String(value) };
    case 'object': {
      if (value === null) return { NULL: true };
      if (Array.isArray(value)) {
        return {
          L: value.filter((v) => v !== undefined).map((v, i) => toAttributeValue(v, `${path}[${i}]`)),
        };
      }
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) {
        throw new ItemCodecError(
          `${path}: a ${prototype?.constructor?.name ?? 'class'} instance is not a plain object`,
        );
      }
      return { M: toAttributes(value as Item, path) };
    }
    default:
      throw new ItemCodecError(`${path}: a ${typeof value} cannot be stored`);
  }
}

export function toAttributes(item: Item, path = '(item)'): Attributes {
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(item)) {
    if (value !== undefined) attributes[key] = toAttributeValue(value, `${path}.${key}`);
  }
  return attributes;
}

export function fromAttributeValue(value: AttributeValue, path = '(item)'): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) {
    const number = Number(value.N);
    if (!(Math.abs(number) <= Number.MAX_SAFE_INTEGER))
      throw new ItemCodecError(`${path}: ${value.N} ${INEXACT}`);
    return number;
  }
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map((v, i) => fromAttributeValue(v, `${path}[${i}]`));
  if (value.M !== undefined) return fromAttributes(value.M, path);
  throw new ItemCodecError(
    `${path}: attribute type ${Object.keys(value).join(',')} is not one Spillway writes`,
  );
}

export function fromAttributes(attributes: Attributes, path = '(item)'): Item {
  const item: Item = {};
  for (const [key, value] of Object.entries(attributes))
    item[key] = fromAttributeValue(value, `${path}.${key}`);
  return item;
}
