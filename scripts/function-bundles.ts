/**
 * Builds each function's bundle as the deploy does and measures it: shared by `make bench` and
 * test/infra/bundle-size.test.ts, so the figure printed is the figure asserted.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { configDirectory, functionEntry } from '../infra/repository-paths';
import { loadConfigFile } from '../src/config/load';
import { sealConfig } from '../src/config/seal';
import { functionBuildOptions } from '../src/runtime/bundling';
import type { FunctionName } from '../src/runtime/client-hooks';
import { BUNDLED_CONFIG_FILE, ENV } from '../src/runtime/env-names';

export const FUNCTIONS: readonly FunctionName[] = ['ingest', 'decide', 'reconcile'];

/** Per function, of the code file (`index.mjs`); the source map shipped next to it is not counted. */
export const BUNDLE_BUDGET = { minifiedBytes: 450 * 1024, gzipBytes: 130 * 1024 } as const;

export interface FunctionBundle {
  readonly fn: FunctionName;
  /** The code file; its directory also holds the source map and the bundled config. */
  readonly file: string;
  readonly minifiedBytes: number;
  readonly gzipBytes: number;
  readonly metafile: Metafile;
}

/**
 * Builds `fn` into `<directory>/<fn>/index.mjs` with the deploy's options, and puts the config next to
 * it as CDK does. Keep `directory` outside the repository: a bundle that still needed node_modules
 * would otherwise find them there and load, where Lambda would not.
 */
export async function buildFunctionBundle(fn: FunctionName, directory: string): Promise<FunctionBundle> {
  const outputDirectory = join(directory, fn);
  mkdirSync(outputDirectory, { recursive: true });
  const file = join(outputDirectory, 'index.mjs');
  const { metafile } = await build({
    ...functionBuildOptions(functionEntry(fn), file),
    metafile: true,
  });
  writeFileSync(
    join(outputDirectory, BUNDLED_CONFIG_FILE),
    sealConfig(loadConfigFile(join(configDirectory, 'prod.yaml')), 'prod.yaml'),
  );
  const code = readFileSync(file);
  return { fn, file, minifiedBytes: code.length, gzipBytes: gzipSync(code).length, metafile };
}

/** Bytes each package (or folder of the repository) puts in the bundle, largest first. */
export function bytesByPackage(bundle: FunctionBundle): [string, number][] {
  const totals = new Map<string, number>();
  for (const output of Object.values(bundle.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = inPackage?.[1] ?? input.split('/').slice(0, 2).join('/');
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/**
 * The environment a deployed function starts with (infra/constructs/spillway-function.ts and the
 * grants), its resources named but never called: loading a handler creates clients, calls nothing.
 * Nothing is inherited from the caller but PATH, so a developer's settings cannot change a figure.
 */
export function deployedEnvironment(bundle: FunctionBundle): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    POWERTOOLS_SERVICE_NAME: 'spillway',
    AWS_REGION: 'eu-central-1',
    // Lambda runs Node 22, where the SDK has nothing to warn about; this machine may not.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    [ENV.config]: join(bundle.file, '..', BUNDLED_CONFIG_FILE),
    [ENV.stateTable]: 'spillway-prod-state',
    [ENV.signalsQueueUrl]: 'https://sqs.eu-central-1.amazonaws.com/111122223333/spillway-prod-signals',
    [ENV.drainLedgerTable]: 'spillway-prod-drain-ledger',
    [ENV.drainStateMachines]: '{}',
    [ENV.webhookTokenSecretArn]:
      'arn:aws:secretsmanager:eu-central-1:111122223333:secret:spillway-prod-webhook-AbCdEf',
  };
}
