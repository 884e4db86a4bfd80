import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpillwayFunction } from '../../infra/constructs/spillway-function';
import { functionEntry } from '../../infra/repository-paths';
import {
  BUNDLE_BUDGET,
  buildFunctionBundle,
  bytesByPackage,
  deployedEnvironment,
  FUNCTIONS,
  type FunctionBundle,
} from '../../scripts/function-bundles';
import { LAMBDA_EXTERNAL_MODULES } from '../../src/runtime/bundling';
import {
  cdkJsonContext,
  removeTemporaryDirectories,
  repositoryConfig,
  resourcesOf,
  temporaryDirectory,
} from './synth-spillway';

afterAll(removeTemporaryDirectories);

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** What a failure prints, so that it names the import that grew the bundle. */
const heaviest = (bundle: FunctionBundle) =>
  bytesByPackage(bundle)
    .slice(0, 12)
    .map(([name, bytes]) => `${name} ${kb(bytes)}`)
    .join(', ');

/** The code file CDK builds for the ingest function with the construct's own bundling options. */
function bundleFromConstruct(): Buffer {
  const app = new App({ outdir: temporaryDirectory('cdk-bundle'), context: cdkJsonContext() });
  const stack = new Stack(app, 'BundleTest', { env: { account: '111122223333', region: 'eu-central-1' } });
  const fn = new SpillwayFunction(stack, 'Ingest', {
    entry: functionEntry('ingest'),
    config: repositoryConfig('prod'),
    description: 'bundle test',
    timeout: Duration.seconds(10),
  });
  const assembly = app.synth();
  const logicalId = stack.getLogicalId(fn.function.node.defaultChild as CfnElement);
  const code = resourcesOf(Template.fromStack(stack), 'AWS::Lambda::Function')[logicalId]?.Properties
    .Code as { S3Key: string };
  return readFileSync(join(assembly.directory, `asset.${code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs'));
}

describe('function bundles, built as deployed', () => {
  const bundles = new Map<string, FunctionBundle>();

  beforeAll(async () => {
    // Prepare: outside the repository, as in Lambda, where no node_modules is there to fall back on.
    const directory = temporaryDirectory('bundles');
    for (const fn of FUNCTIONS) bundles.set(fn, await buildFunctionBundle(fn, directory));
  });

  const bundleOf = (fn: string) => bundles.get(fn) as FunctionBundle;

  it.each(FUNCTIONS)('%s stays within the budget: 450 KB minified and 130 KB gzipped', (fn) => {
    // Act
    const bundle = bundleOf(fn);

    // Assess
    const report = `${fn}: ${kb(bundle.minifiedBytes)} minified, ${kb(bundle.gzipBytes)} gzipped; largest: ${heaviest(bundle)}`;
    expect(bundle.minifiedBytes, report).toBeLessThanOrEqual(BUNDLE_BUDGET.minifiedBytes);
    expect(bundle.gzipBytes, report).toBeLessThanOrEqual(BUNDLE_BUDGET.gzipBytes);
  });

  it('measures the bytes the CDK construct deploys', () => {
    // Act
    const deployed = bundleFromConstruct();

    // Assess: equal bytes, so the construct's options and the shared ones have not drifted apart
    // (one function is enough: the construct bundles every function alike).
    expect(deployed.equals(readFileSync(bundleOf('ingest').file))).toBe(true);
  });

  it.each(FUNCTIONS)('%s takes the SDK as ES modules, which esbuild can tree-shake', (fn) => {
    // Act
    const inputs = Object.keys(bundleOf(fn).metafile.inputs);

    // Assess: the SDK publishes both; its CommonJS build would bring every command of a client.
    expect(inputs.filter((path) => path.includes('/dist-cjs/'))).toEqual([]);
  });

  it.each(FUNCTIONS)('%s imports each module left out of it only lazily', (fn) => {
    // Prepare
    const leftOut = new Set(LAMBDA_EXTERNAL_MODULES);

    // Act
    const imports = Object.values(bundleOf(fn).metafile.inputs).flatMap((input) =>
      input.imports.filter((i) => i.external && leftOut.has(i.path)),
    );

    // Assess: an import statement would make loading the bundle fail on Lambda.
    expect(imports.filter((i) => i.kind !== 'dynamic-import')).toEqual([]);
  });

  it.each(FUNCTIONS)("%s carries each SDK client's package.json as its name and version alone", (fn) => {
    // Prepare
    const bundle = bundleOf(fn);
    const code = readFileSync(bundle.file, 'utf8');
    const clients = Object.keys(bundle.metafile.inputs)
      .map((path) => /node_modules\/(@aws-sdk\/client-[^/]+)\/dist-es\/runtimeConfig\.js$/.exec(path)?.[1])
      .filter((name): name is string => name !== undefined);

    // Assess: the user agent still names each client's own version; the rest of the manifest is gone
    expect(clients.length).toBeGreaterThan(0);
    for (const client of clients) {
      const { version } = JSON.parse(readFileSync(join('node_modules', client, 'package.json'), 'utf8'));
      expect(code).toContain(`name:"${client}",version:"${version}"`);
    }
    expect(code).not.toContain('devDependencies');
  });

  it.each(FUNCTIONS)('%s reads its config sealed, without carrying the config schema', (fn) => {
    // Act
    const inputs = Object.keys(bundleOf(fn).metafile.inputs);

    // Assess: the build validated the config; the schema in a function only costs its cold start.
    expect(inputs).toContain('src/config/sealed.ts');
    expect(inputs.filter((path) => /^src\/config\/(schema|parse|seal)\.ts$/.test(path))).toEqual([]);
  });

  it.each(FUNCTIONS)('%s bundles no client with an event stream, so never loads their serde', (fn) => {
    // Act: a client whose API has an event stream carries the `streaming` schema trait.
    const code = readFileSync(bundleOf(fn).file, 'utf8');

    // Assess
    expect(code).not.toContain('"streaming"');
  });

  it.each(FUNCTIONS)('%s loads in a bare node, with no node_modules to fall back on', (fn) => {
    // Prepare
    const bundle = bundleOf(fn);

    // Act
    const exported = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(bundle.file)}); console.log(typeof m.handler);`,
      ],
      { env: deployedEnvironment(bundle), encoding: 'utf8' },
    );

    // Assess
    expect(exported.trim()).toBe('function');
  });

  it.each([
    ['ingest', 'null'],
    ['decide', '{ Records: null }'],
  ])('%s lets an error escape with its stack mapped to the sources', (fn, event) => {
    // Prepare: an event the handler itself trips over, before any use case or AWS call
    const bundle = bundleOf(fn);
    const context =
      "{ functionName: 'spillway-prod', awsRequestId: 'r-1', getRemainingTimeInMillis: () => 1000 }";

    // Act
    const stack = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(bundle.file)});
         await m.handler(${event}, ${context}).then(() => console.log('no error'), (e) => console.log(e.stack));`,
      ],
      { env: deployedEnvironment(bundle), encoding: 'utf8' },
    );

    // Assess: the top frame names the handler's source line, not a column of the minified bundle
    const frames = stack.split('\n').filter((line) => line.trimStart().startsWith('at '));
    expect(frames[0]).toMatch(new RegExp(`functions/${fn}/handler\\.ts:\\d+:\\d+\\)?$`));
    expect(stack).not.toContain('index.mjs:1:');
  });
});
