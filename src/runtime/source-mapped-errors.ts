import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { MiddlewareObj } from '@middy/core';

/**
 * Stack traces of the bundle mapped back to the sources, for the errors a function lets escape.
 *
 * `--enable-source-maps` would do it for every error, at the price of reading and indexing the
 * source map (about 700 KB) at every cold start: 8 to 10 ms of a 50 ms import, on every start, for
 * an error most starts never see. Here the map is read at the first error of an instance only.
 * Frames outside the bundle, and every frame when no map sits next to the code (the local runtime
 * runs the sources), stay as they are.
 */

let cachedMap: { readonly url: string; readonly map: SourceMap | undefined } | undefined;

function sourceMapOf(bundleUrl: string): SourceMap | undefined {
  if (cachedMap?.url !== bundleUrl) {
    let map: SourceMap | undefined;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(bundleUrl)}.map`, 'utf8')));
    } catch {
      map = undefined;
    }
    cachedMap = { url: bundleUrl, map };
  }
  return cachedMap.map;
}

/** A source as the map names it (relative to the build directory), from the repository's root on. */
const readableSource = (source: string): string =>
  source.replace(/^(?:[^/]*\/)*?(?=(?:src|functions|node_modules)\/)/, '').replace(/^(?:\.\.\/)+/, '');

/** `stack` with each frame in the bundle at `bundleUrl` pointing at its source line instead. */
export function sourceMappedStack(stack: string, bundleUrl: string): string {
  if (!stack.includes(bundleUrl)) return stack;
  const map = sourceMapOf(bundleUrl);
  if (!map) return stack;
  const escaped = bundleUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return stack.replace(new RegExp(`${escaped}:(\\d+):(\\d+)`, 'g'), (frame, line: string, column: string) => {
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as Partial<{
      originalSource: string;
      originalLine: number;
      originalColumn: number;
    }>;
    if (entry.originalSource === undefined || entry.originalLine === undefined) return frame;
    return `${readableSource(entry.originalSource)}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
  });
}

/**
 * middy middleware: an error leaving the handler (which Lambda logs with its stack) carries a
 * stack mapped to the sources, its causes too. `bundleUrl` is the code's own `import.meta.url`.
 */
export function sourceMappedErrors(bundleUrl: string = import.meta.url): MiddlewareObj {
  return {
    onError: (request) => {
      let error: unknown = request.error;
      for (let depth = 0; error instanceof Error && depth < 5; depth++) {
        if (error.stack) error.stack = sourceMappedStack(error.stack, bundleUrl);
        error = error.cause;
      }
    },
  };
}
