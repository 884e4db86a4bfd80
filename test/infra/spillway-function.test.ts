import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpillwayFunction } from '../../infra/constructs/spillway-function';
import { functionEntry } from '../../infra/repository-paths';
import type { SpillwayConfig } from '../../src/config/schema';
import { readSealedConfig } from '../../src/config/sealed';
import {
  cdkJsonContext,
  removeTemporaryDirectories,
  repositoryConfig,
  resourcesOf,
  statementsOfRole,
  temporaryDirectory,
} from './synth-spillway';

afterAll(removeTemporaryDirectories);

/** One SpillwayFunction (the ingest handler) alone in a stack. */
function synthFunction(config: SpillwayConfig, options: { bundle: boolean; memorySizeMiB?: number }) {
  const app = new App({
    outdir: temporaryDirectory('cdk-test'),
    context: { ...cdkJsonContext(), ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const stack = new Stack(app, 'FunctionTest', { env: { account: '111122223333', region: 'eu-west-1' } });
  const fn = new SpillwayFunction(stack, 'Ingest', {
    entry: functionEntry('ingest'),
    config,
    description: 'test function',
    timeout: Duration.seconds(10),
    ...(options.memorySizeMiB ? { memorySizeMiB: options.memorySizeMiB } : {}),
  });
  const assembly = app.synth();
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as CfnElement);
  return {
    assembly,
    template: Template.fromStack(stack),
    functionId: logicalId(fn.function),
    roleId: logicalId(fn.role),
  };
}

describe('SpillwayFunction', () => {
  describe('bundled by esbuild (prod config)', () => {
    const config = repositoryConfig('prod');
    let synthesized: ReturnType<typeof synthFunction>;
    let bundleDirectory: string;

    beforeAll(() => {
      // Prepare: a real, local esbuild run.
      synthesized = synthFunction(config, { bundle: true });
      const code = resourcesOf(synthesized.template, 'AWS::Lambda::Function')[synthesized.functionId]
        ?.Properties.Code as { S3Key: string };
      bundleDirectory = join(synthesized.assembly.directory, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
    });

    it('ships minified ESM that defines require for CommonJS dependencies, with a source map', () => {
      // Act
      const bundle = readFileSync(join(bundleDirectory, 'index.mjs'), 'utf8');

      // Assess
      expect(bundle.split('\n')[0]).toBe(
        "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      );
      expect(bundle).toContain('sourceMappingURL=index.mjs.map');
      expect(readFileSync(join(bundleDirectory, 'index.mjs.map'), 'utf8')).toContain('"mappings"');
    });

    it('ships the validated config, defaults applied, sealed, as spillway-config.json', () => {
      // Act
      const bundled = readSealedConfig(join(bundleDirectory, 'spillway-config.json'));

      // Assess
      expect(bundled).toEqual(config);
      expect(bundled.decisionLogRetentionDays).toBe(30);
    });

    it('runs on nodejs22.x, arm64, traced, pointed at the bundled config', () => {
      // Assess
      synthesized.template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: 512,
        Timeout: 10,
        Environment: {
          Variables: {
            SPILLWAY_CONFIG: '/var/task/spillway-config.json',
            POWERTOOLS_SERVICE_NAME: 'spillway',
            // Stacks are mapped at the first escaping error, not by indexing the map at every start.
            NODE_OPTIONS: Match.absent(),
          },
        },
      });
    });

    it('logs to its own log group, kept three months in prod, and may write to no other', () => {
      // Prepare
      const { template, roleId } = synthesized;
      const logStatements = statementsOfRole(template, roleId).filter((s) =>
        JSON.stringify(s.Action).includes('logs:'),
      );

      // Assess
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: 90 },
        DeletionPolicy: 'Retain',
      });
      expect(logStatements.map((s) => s.Resource)).toEqual([
        { 'Fn::GetAtt': [expect.stringMatching(/LogGroup/), 'Arn'] },
      ]);
      // No AWSLambdaBasicExecutionRole: it would let the function write to any log group.
      template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    });
  });

  describe('defaults and options', () => {
    it('keeps dev logs one month and deletes them with the stack', () => {
      // Act
      const { template } = synthFunction(repositoryConfig('dev'), { bundle: false });

      // Assess
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: 30 },
        DeletionPolicy: 'Delete',
      });
    });

    it('takes another memory size when asked', () => {
      // Act
      const { template } = synthFunction(repositoryConfig('dev'), { bundle: false, memorySizeMiB: 1024 });

      // Assess
      template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1024 });
    });
  });
});
