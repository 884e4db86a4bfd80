import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, type Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { SpillwayConfig } from '../../src/config/schema';
import { BUNDLED_CONFIG_FILE, ENV } from '../../src/runtime/env-names';
import { writeBundledConfig } from '../bundled-config';
import { logRetentionFor, removalPolicyFor } from '../deploy-environment';
import { acknowledge } from '../guardrails';
import { repositoryRoot } from '../repository-paths';

const BUNDLER = fileURLToPath(new URL('../bundle-function.ts', import.meta.url));

export interface SpillwayFunctionProps {
  /** Absolute path of the handler module; it must export `handler`. */
  readonly entry: string;
  /** The environment's validated config: bundled as `spillway-config.json`, read once at cold start. */
  readonly config: SpillwayConfig;
  /** What the function does, in one sentence. */
  readonly description: string;
  /** Longest run of one invocation. */
  readonly timeout: Duration;
  /**
   * Memory, and with it CPU share.
   * @default 512
   */
  readonly memorySizeMiB?: number;
  /**
   * How long the function's logs are kept.
   * @default one month in dev, three months in staging and prod
   */
  readonly logRetention?: RetentionDays;
  /**
   * The most instances that may run at once, reserved from the account's pool.
   * @default none: the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * The one way Spillway builds a Lambda function: Node.js 22 on arm64, bundled locally by esbuild as
 * minified ESM with source maps, X-Ray tracing, its own log group with retention, a role that can
 * write only to that log group, and the validated config bundled next to the code.
 *
 * Grants go through the owner of the resource (`stateful.grantStateReadWrite(fn)`), which sets the
 * environment variable and the IAM permission together.
 */
export class SpillwayFunction extends Construct implements iam.IGrantable {
  static readonly DEFAULT_MEMORY_SIZE_MIB = 512;

  readonly function: LambdaFunction;
  readonly role: iam.Role;
  readonly logGroup: LogGroup;
  readonly grantPrincipal: iam.IPrincipal;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: SpillwayFunctionProps) {
    super(scope, id);
    const environment = props.config.environment;
    this.timeout = props.timeout;

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logRetentionFor(environment),
      removalPolicy: removalPolicyFor(environment),
    });
    // Not the default role: it carries AWSLambdaBasicExecutionRole, which writes to any log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Spillway ${environment}: ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);
    this.grantPrincipal = this.role;

    const configFile = writeBundledConfig(props.config);
    this.function = new LambdaFunction(this, 'Function', {
      code: bundledCode(props.entry, configFile),
      handler: 'index.handler',
      description: `Spillway ${environment}: ${props.description}`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySizeMiB ?? SpillwayFunction.DEFAULT_MEMORY_SIZE_MIB,
      timeout: props.timeout,
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      role: this.role,
      environment: {
        // No NODE_OPTIONS=--enable-source-maps: it reads the source map at every cold start (8 to
        // 10 ms); the handlers map the stack of an error they let escape instead, reading the map
        // at the first one (src/runtime/source-mapped-errors.ts).
        [ENV.config]: `/var/task/${BUNDLED_CONFIG_FILE}`,
        POWERTOOLS_SERVICE_NAME: 'spillway',
      },
    });

    const pinnedRuntime =
      'Pinned to nodejs22.x on purpose: the bundle targets node22 and the code is tested on Node 20/22; ' +
      'moving to a newer runtime is a reviewed change of runtime and esbuild target together.';
    acknowledge(this.function, 'AwsSolutions-L1', pinnedRuntime);
    acknowledge(this.function, 'Serverless-LambdaLatestVersion', pinnedRuntime);
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Only the X-Ray statement that active tracing adds (xray:PutTraceSegments, xray:PutTelemetryRecords): ' +
        'X-Ray has no resource-level permissions for these actions.',
    );
  }

  /** Sets an environment variable of the function; prefer the owning construct's grant method. */
  addEnvironment(name: string, value: string): this {
    this.function.addEnvironment(name, value);
    return this;
  }
}

/**
 * The function's code: its entry bundled by esbuild with the options `make bench` and the bundle
 * tests measure (src/runtime/bundling.ts), the sealed config beside it. Bundled locally, never in
 * Docker, and skipped like any bundling for stacks a command does not need.
 */
function bundledCode(entry: string, configFile: string): Code {
  return Code.fromAsset(dirname(entry), {
    // The hash of what is deployed: a change that bundles to the same bytes deploys nothing.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type, never pulled: local bundling succeeds or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
      // Unused by the local bundler; named here to be part of the staging cache's key, so that one
      // entry bundled with two configs is two assets.
      environment: { SPILLWAY_SEALED_CONFIG_FILE: configFile },
      local: {
        tryBundle(outputDir: string): boolean {
          const run = spawnSync(
            process.execPath,
            ['--import', 'tsx', BUNDLER, entry, outputDir, configFile],
            {
              cwd: repositoryRoot,
              encoding: 'utf8',
            },
          );
          if (run.status !== 0) {
            throw new Error(
              `bundling ${entry} failed (exit ${run.status}): ${run.stderr || run.error?.message}`,
            );
          }
          return true;
        },
      },
    },
  });
}
