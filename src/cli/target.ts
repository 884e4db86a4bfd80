import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig } from '../adapters/client-config';
import { loadConfigFile } from '../config/load';
import { parseConfig } from '../config/parse';
import type { SpillwayConfig } from '../config/schema';
import { chooseRuntimeFile, RUNTIMES_DIRECTORY, SeveralRuntimes } from '../local/runtime-files';
import { resourceNames } from '../runtime/env-names';
import { UsageError } from './args';

/** Where the CLI sends its calls: the local runtime or a deployed environment. */
export interface Target {
  readonly environment: string;
  readonly config: SpillwayConfig;
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly stateTable: string;
  readonly signalsQueueUrl: string;
  readonly signalsDlqUrl: string;
}

export class TargetError extends Error {
  override readonly name = 'TargetError';
}

/** Where a local runtime's info file is looked for when `--runtime-file` does not say. */
export const RUNTIME_FILE_ENV = 'SPILLWAY_RUNTIME_FILE';

const REPOSITORY = resolve(import.meta.dirname, '../..');

/** A file of the working directory, or else of the repository the CLI runs from (`npm link`). */
function inCwdOrRepository(path: string): string {
  const here = resolve(path);
  return existsSync(here) ? here : resolve(REPOSITORY, path);
}

/**
 * The runtime file given, else the one live runtime `make run` recorded (in the working
 * directory's `.local/runtimes/` or the repository's). Several live ones are bad input: the
 * operator is asked to name one, as a guess could send a command to the wrong runtime.
 */
function localRuntimeFile(
  given: string | undefined,
  directories = [resolve(RUNTIMES_DIRECTORY), resolve(REPOSITORY, RUNTIMES_DIRECTORY)],
): string {
  let chosen: string | undefined;
  try {
    chosen = chooseRuntimeFile({ given, directories });
  } catch (error) {
    if (error instanceof SeveralRuntimes) throw new UsageError(error.message);
    throw error;
  }
  if (!chosen)
    throw new TargetError(
      `no local runtime is running (none recorded in ${[...new Set(directories)].join(' or ')}): start one with \`make run\``,
    );
  if (!existsSync(chosen))
    throw new TargetError(`no local runtime is running (no ${chosen}): start one with \`make run\``);
  return chosen;
}

/**
 * `--env local` reads what `make run` recorded in `.local/runtimes/<port>.json` (or the runtime
 * file given, for a runtime started elsewhere, such as a test's); any other environment reads
 * `config/<env>.yaml` and finds its resources by their fixed names, with the caller's AWS
 * credentials (`--profile` or the usual environment variables).
 */
export async function resolveTarget(options: {
  env: string;
  region?: string;
  profile?: string;
  runtimeFile?: string;
  /** Where `make run`'s records are looked for: the working directory's, then the repository's. */
  runtimeDirectories?: string[];
}): Promise<Target> {
  if (options.env === 'local') {
    const infoFile = localRuntimeFile(
      options.runtimeFile ?? process.env[RUNTIME_FILE_ENV],
      options.runtimeDirectories,
    );
    const info = JSON.parse(readFileSync(infoFile, 'utf8'));
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    const config = parseConfig(info.effectiveConfig, infoFile);
    return {
      environment: 'local',
      config,
      region: config.controlRegion,
      endpoint: info.endpoint,
      stateTable: info.stateTable,
      signalsQueueUrl: info.signalsQueueUrl,
      signalsDlqUrl: info.signalsDlqUrl,
    };
  }
  if (!/^(dev|staging|prod)$/.test(options.env)) {
    throw new TargetError(`--env must be local, dev, staging or prod, not '${options.env}'`);
  }
  if (options.profile) process.env.AWS_PROFILE = options.profile;
  const config = loadConfigFile(inCwdOrRepository(`config/${options.env}.yaml`));
  const region = options.region ?? config.controlRegion;
  const names = resourceNames(config.environment);
  const sqs = new SQSClient(clientConfig(region, undefined));
  const queueUrl = async (QueueName: string) =>
    (await sqs.send(new GetQueueUrlCommand({ QueueName }))).QueueUrl as string;
  return {
    environment: config.environment,
    config,
    region,
    endpoint: undefined,
    stateTable: names.stateTable,
    signalsQueueUrl: await queueUrl(names.signalsQueue),
    signalsDlqUrl: await queueUrl(names.signalsDlq),
  };
}
