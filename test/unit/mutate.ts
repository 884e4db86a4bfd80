/**
 * Mutations of valid payloads for robustness properties: a random edit (delete a field, or replace
 * it with any value) at a random place in the document, a few times over. Payloads that are almost
 * right find more edge cases than random values, which a schema rejects at the first field.
 */
import fc from 'fast-check';
import { cloneJson } from './factories';

type Key = string | number;
export type Edit = { readonly kind: 'delete' } | { readonly kind: 'replace'; readonly value: unknown };
export interface Mutation {
  readonly pick: number;
  readonly edit: Edit;
}

const isContainer = (value: unknown): value is Record<Key, unknown> =>
  typeof value === 'object' && value !== null;

/** Every path into a JSON document, parents before children. */
export function pathsOf(value: unknown, prefix: readonly Key[] = []): Key[][] {
  if (!isContainer(value)) return [];
  const keys: Key[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((key) => [
    [...prefix, key],
    ...pathsOf((value as Record<Key, unknown>)[key], [...prefix, key]),
  ]);
}

function applyEdit(root: unknown, path: readonly Key[], edit: Edit): void {
  let parent: unknown = root;
  for (const key of path.slice(0, -1)) parent = (parent as Record<Key, unknown>)[key];
  const last = path.at(-1);
  if (!isContainer(parent) || last === undefined) return;
  try {
    if (edit.kind === 'delete') {
      if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
      else delete parent[last];
    } else {
      parent[last] = edit.value;
    }
  } catch {
    // A read-only slot inside an earlier replacement (a boxed string's characters): leave it.
  }
}

/** A copy of `base` with the mutations applied in order. */
export function mutate(base: unknown, mutations: readonly Mutation[]): unknown {
  const copy = cloneJson(base);
  for (const { pick, edit } of mutations) {
    const paths = pathsOf(copy);
    const path = paths[pick % Math.max(paths.length, 1)];
    if (!path) break;
    applyEdit(copy, path, edit);
  }
  return copy;
}

/** Values that stress parsers: anything at all, plus near-misses of the formats payloads use. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
    withUnicodeString: true,
  }),
  fc.constantFrom(
    '',
    '4',
    4,
    'firing',
    'resolved',
    'ALARM',
    'OK',
    'INSUFFICIENT_DATA',
    '0001-01-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-03-01T12:00:00.000+0000',
    '2026-03-01T12:00:00+05:30',
    '9999-12-31T23:59:59Z',
    'not a time',
    '__proto__',
    'constructor',
    'checkout-api',
    'unknown-api',
    Number.NaN,
    -1,
    1e308,
  ),
);

export const mutationsArb: fc.Arbitrary<Mutation[]> = fc.array(
  fc.record({
    pick: fc.nat(),
    edit: fc.oneof(
      fc.constant<Edit>({ kind: 'delete' }),
      nastyValue.map((value): Edit => ({ kind: 'replace', value })),
    ),
  }),
  { minLength: 1, maxLength: 4 },
);
