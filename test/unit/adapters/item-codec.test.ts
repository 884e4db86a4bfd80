import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Attributes,
  fromAttributes,
  fromAttributeValue,
  ItemCodecError,
  toAttributes,
  toAttributeValue,
} from '../../../src/adapters/item-codec';

/** Items as the state table holds them: JSON values, with undefined fields the document client drops. */
const items = fc.dictionary(
  fc.string(),
  fc.oneof(
    fc.jsonValue(),
    fc.constant(undefined),
    fc.array(fc.oneof(fc.jsonValue(), fc.constant(undefined))),
  ),
);
const sdkOptions = { removeUndefinedValues: true, convertClassInstanceToMap: false } as const;

describe('item codec', () => {
  it('writes what the SDK document client writes, and reads back what it reads', () => {
    fc.assert(
      fc.property(items, (item) => {
        // Prepare: what the SDK makes of it, or that it refuses it (numbers beyond 2^53)
        let expected: Attributes | undefined;
        try {
          expected = marshall(item, sdkOptions) as Attributes;
        } catch {
          expected = undefined;
        }

        // Act
        const attributes = () => toAttributes(item);

        // Assess
        if (expected === undefined) {
          expect(attributes).toThrow(ItemCodecError);
          return;
        }
        expect(attributes()).toEqual(expected);
        expect(fromAttributes(attributes())).toEqual(unmarshall(expected));
      }),
    );
  });

  it('reads back every JSON value as JSON would', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(JSON.stringify(value).match(/\d{16,}|e\+/) === null);
        expect(fromAttributeValue(toAttributeValue(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it.each([
    ['a date', { at: new Date(0) }, '(item).at: a Date instance is not a plain object'],
    ['a set', { tags: new Set(['a']) }, '(item).tags: a Set instance is not a plain object'],
    ['NaN', { counts: [1, Number.NaN] }, '(item).counts[1]: NaN is not a finite number'],
    ['a function', { run: () => 1 }, '(item).run: a function cannot be stored'],
    [
      '2^53',
      { at: 2 ** 53 },
      '(item).at: 9007199254740992 is beyond the numbers a JavaScript number holds exactly',
    ],
  ])('refuses %s, naming where it is', (_, item, message) => {
    expect(() => toAttributes(item)).toThrow(new ItemCodecError(message));
  });

  it('refuses to read an attribute type Spillway never writes', () => {
    expect(() => fromAttributes({ blob: { B: new Uint8Array([1]) } })).toThrow(
      '(item).blob: attribute type B is not one Spillway writes',
    );
  });
});
