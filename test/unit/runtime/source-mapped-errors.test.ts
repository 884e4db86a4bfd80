import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import middy from '@middy/core';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceMappedErrors, sourceMappedStack } from '../../../src/runtime/source-mapped-errors';

const SOURCE = [
  'export function failDeep(): never {',
  "  throw new Error('deep', { cause: new Error('underneath') });",
  '}',
  '',
].join('\n');

describe('sourceMappedErrors', () => {
  let directory: string;
  let bundleUrl: string;
  let failDeep: () => never;

  beforeAll(async () => {
    // Prepare: a minified bundle with its map beside it, as a function is deployed
    directory = mkdtempSync(join(tmpdir(), 'spillway-stacks-'));
    writeFileSync(join(directory, 'failing.ts'), SOURCE);
    await build({
      entryPoints: [join(directory, 'failing.ts')],
      outfile: join(directory, 'out', 'index.mjs'),
      bundle: true,
      minify: true,
      format: 'esm',
      sourcemap: true,
      sourcesContent: false,
      logLevel: 'error',
    });
    bundleUrl = pathToFileURL(join(directory, 'out', 'index.mjs')).href;
    ({ failDeep } = await import(bundleUrl));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const thrown = (): Error => {
    try {
      failDeep();
    } catch (error) {
      return error as Error;
    }
  };

  it('points the bundle frames of an escaping error, and of its cause, at the source lines', async () => {
    // Prepare
    const handler = middy(() => failDeep()).use(sourceMappedErrors(bundleUrl));

    // Act
    const error = (await handler({}, {} as never).catch((e: unknown) => e)) as Error;

    // Assess
    expect(error.stack?.split('\n')[1]).toMatch(/failing\.ts:2:\d+\)$/);
    expect((error.cause as Error).stack?.split('\n')[1]).toMatch(/failing\.ts:2:\d+\)$/);
    expect(error.stack).not.toContain(`${bundleUrl}:`);
  });

  it('leaves frames alone where no source map sits next to the code', () => {
    // Prepare
    const stack = thrown().stack as string;
    const elsewhere = stack.replaceAll(bundleUrl, pathToFileURL(join(directory, 'nomap.mjs')).href);

    // Act
    const mapped = sourceMappedStack(elsewhere, pathToFileURL(join(directory, 'nomap.mjs')).href);

    // Assess
    expect(mapped).toBe(elsewhere);
  });

  it('leaves frames of other files alone', () => {
    // Prepare
    const stack = new Error('here').stack as string;

    // Act
    const mapped = sourceMappedStack(stack, bundleUrl);

    // Assess
    expect(mapped).toBe(stack);
  });
});
