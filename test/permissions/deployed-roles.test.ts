import { beforeAll, describe, expect, it } from 'vitest';
import { deployEnvironments } from '../../infra/deploy-environment';
import type { RecordedCall } from '../../src/local/call-recorder';
import { AWS_CALL_LOG } from '../integration/global-setup';
import { type DeployedEnvironment, deployedEnvironment } from './deployed-environment';
import { deniedWorkflowCalls } from './drain-calls';
import { deniedFunctionCalls, readRecordedCalls } from './function-calls';

/**
 * The emulator checks no IAM: these tests stand in for it. Every AWS call the functions made while
 * the integration suite ran, and every call the drain workflow's definition makes, must be allowed
 * by the role as the CDK app synthesises it, in every environment.
 */
describe('deployed roles allow what the code calls', () => {
  let calls: RecordedCall[];
  beforeAll(() => {
    calls = readRecordedCalls(AWS_CALL_LOG);
  });

  it('the record covers every function and the spend guard read', () => {
    const seen = new Set(calls.map((call) => `${call.fn} ${call.action}`));
    // Without these the record is stale or partial, and an allowed-everything verdict would mean little.
    expect([...seen]).toEqual(
      expect.arrayContaining([
        'ingest sqs:SendMessage',
        'decide ecs:RunTask',
        'decide dynamodb:BatchGetItem',
        'decide states:StartExecution',
        'reconcile ecs:DescribeTasks',
      ]),
    );
  });

  describe.each(deployEnvironments)('%s', (environment) => {
    let deployed: DeployedEnvironment;
    beforeAll(() => {
      deployed = deployedEnvironment(environment);
    });

    it('each function role allows every call its function made', async () => {
      expect(await deniedFunctionCalls(calls, deployed)).toEqual([]);
    });

    it('each drain workflow role allows every call its definition makes', async () => {
      expect(await deniedWorkflowCalls(deployed)).toEqual([]);
    });
  });
});
