import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestApp, removeTemporaryDirectories, TEST_ACCOUNT } from './synth-spillway';

afterAll(removeTemporaryDirectories);

interface ValidationReport {
  readonly pluginReports: readonly {
    readonly pluginName: string;
    readonly violations: readonly { readonly ruleName: string; readonly severity: string }[];
  }[];
}

/** What cdk-nag reported at synth, from the validation report CDK writes into the cloud assembly. */
function nagFindings(assemblyDirectory: string) {
  const path = join(assemblyDirectory, 'validation-report.json');
  const report: ValidationReport = existsSync(path)
    ? JSON.parse(readFileSync(path, 'utf8'))
    : { pluginReports: [] };
  return report.pluginReports
    .filter((r) => r.pluginName === 'AwsSolutions' || r.pluginName === 'Serverless')
    .flatMap((r) => r.violations);
}

describe.each(['dev', 'staging', 'prod'] as const)(
  'cdk-nag AwsSolutions and Serverless over the %s app',
  (environment) => {
    // Without an account is how `cdk synth` runs without credentials, and it bundles the functions.
    it.each([
      ['environment-agnostic, with bundled functions', null, true],
      ['in an account', TEST_ACCOUNT, false],
    ])('reports no unacknowledged finding, error or warning (%s)', (_, account, bundle) => {
      // Prepare
      const { app } = buildTestApp({ environment, account, bundle });

      // Act: synth throws when the validation plugin reports an error.
      const assembly = app.synth();

      // Assess
      expect(nagFindings(assembly.directory)).toEqual([]);
    });

    it('fails synth on a finding nobody acknowledged', () => {
      // Prepare
      const { app, control } = buildTestApp({ environment });
      new Queue(control, 'UnguardedQueue');

      // Act
      const act = () => app.synth();

      // Assess
      expect(act).toThrow(/AwsSolutions-SQS3/);
    });

    it('runs the Serverless pack too', () => {
      // Prepare: a queue that is no dead-letter queue and has none is a Serverless finding as well.
      const { app, control } = buildTestApp({ environment });
      new Queue(control, 'UnguardedQueue');

      // Act
      const act = () => app.synth();

      // Assess
      expect(act).toThrow(/Serverless-SQSRedrivePolicy/);
    });

    it('gives every acknowledgement a written reason, and acknowledges only the reviewed rules', () => {
      // Prepare
      const { app } = buildTestApp({ environment });

      // Act
      const acknowledgements = app.node
        .findAll()
        .flatMap((construct) => construct.node.metadata)
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, unknown>));
      const reasonOf = (value: unknown) =>
        typeof value === 'string' ? value : String((value as { reason?: unknown }).reason ?? '');
      const rules = new Set(
        acknowledgements.map(([id]) => id.replace(/^annotation::/i, '').replace(/\[.*$/, '')),
      );

      // Assess
      expect(acknowledgements.length).toBeGreaterThan(0);
      for (const [id, value] of acknowledgements)
        expect(reasonOf(value).length, id).toBeGreaterThanOrEqual(60);
      expect([...rules].sort()).toEqual([
        'AwsSolutions-APIG4',
        'AwsSolutions-IAM5',
        'AwsSolutions-L1',
        'AwsSolutions-SMG4',
        'AwsSolutions-SQS3',
        'Serverless-EventBusDLQ',
        'Serverless-LambdaAsyncFailureDestination',
        'Serverless-LambdaDLQ',
        'Serverless-LambdaEventSourceMappingDestination',
        'Serverless-LambdaLatestVersion',
        'Serverless-SQSRedrivePolicy',
      ]);
    });
  },
);
