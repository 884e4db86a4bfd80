/**
 * How every function is bundled, shared by the CDK construct (through infra/bundle-function.ts),
 * the bundle size test and `make bench`, so that what is measured is what is deployed.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';

/** Node 22 loads the bundle as ESM; some bundled dependencies still call `require`. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Modules the bundled SDK reaches only through `await import(...)` on paths a Lambda function never
 * takes, left out of the bundle on purpose: about 36 KB (12 KB gzipped) of every function, their 26 KB
 * of code plus the wrappers esbuild puts around the modules they share for lazy loading. esbuild
 * cannot know these paths are dead, so this list says so; test/infra/bundle-size.test.ts checks that
 * each is only ever imported lazily and that no bundled client has an event stream. Reached anyway,
 * the import fails (or finds the runtime's copy of the SDK, another version): a client with event
 * streams needs its module back.
 */
export const LAMBDA_EXTERNAL_MODULES: readonly string[] = [
  // The default credential chain tries the environment first, and Lambda puts the role's
  // credentials there: the chain never gets to the providers after it.
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
  '@aws-sdk/nested-clients',
  // Loaded only by an operation with an event stream; DynamoDB, ECS, ELB, SFN, SQS and Secrets
  // Manager have none.
  '@smithy/core/event-streams',
];

/**
 * Each AWS SDK client imports its whole package.json (dependencies, scripts, 2 KB each) to put one
 * field in its user agent: `packageInfo.version`. This gives those imports, and only those, the name
 * and version alone: 8 KB of the reconcile bundle (2.6 KB gzipped). Any other package.json import
 * is left whole, so nothing that reads another field can get less than it reads.
 */
export const sdkClientVersionsOnly: Plugin = {
  name: 'sdk-client-versions-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/package\.json$/ }, (args) =>
      /[\\/]node_modules[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]runtimeConfig\.js$/.test(
        args.importer,
      )
        ? { path: resolve(dirname(args.importer), args.path), namespace: 'sdk-client-version' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'sdk-client-version' }, (args) => {
      const { name, version } = JSON.parse(readFileSync(args.path, 'utf8')) as {
        name: string;
        version: string;
      };
      return { contents: JSON.stringify({ name, version }), loader: 'json' };
    });
  },
};

/** The esbuild settings of every function as deployed. */
export const FUNCTION_BUNDLING = {
  platform: 'node',
  target: 'node22',
  format: 'esm',
  mainFields: ['module', 'main'],
  minify: true,
  // Stack traces need the mappings only; the sources would double the asset.
  sourcemap: true,
  sourcesContent: false,
  banner: { js: ESM_REQUIRE_BANNER },
  external: [...LAMBDA_EXTERNAL_MODULES],
} as const satisfies BuildOptions;

/**
 * esbuild options that build one function's handler into `outfile` as the deploy does. Name it
 * `index.mjs`, the handler Lambda is given: the name is in the source map comment, so in the bytes.
 */
export function functionBuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    ...FUNCTION_BUNDLING,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    external: [...FUNCTION_BUNDLING.external],
    entryPoints: [entry],
    bundle: true,
    outfile,
    logLevel: 'error',
    plugins: [sdkClientVersionsOnly],
  };
}
