import { beforeAll, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../../src/local/call-recorder';
import { drainWorkflowDefinition } from '../../src/workflow/drain-definition';
import { type DeployedEnvironment, deployedEnvironment } from './deployed-environment';
import { workflowCalls } from './drain-calls';
import { deniedFunctionCalls } from './function-calls';

/** The check itself: it must see every workflow call, and refuse what a role lacks. */
describe('the permission check', () => {
  let dev: DeployedEnvironment;
  beforeAll(() => {
    dev = deployedEnvironment('dev');
  });

  const call = (fields: Partial<RecordedCall>): RecordedCall => ({
    fn: 'decide',
    environment: 'local',
    client: 'DynamoDBClient',
    operation: 'BatchGetItem',
    region: 'us-east-1',
    action: 'dynamodb:BatchGetItem',
    resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/spillway-local-state',
    ...fields,
  });

  it('reads every call of the drain definition, with the resource it targets', () => {
    const { calls, findings } = workflowCalls(
      drainWorkflowDefinition() as { States: Record<string, Record<string, unknown>> },
    );
    expect(findings).toEqual([]);
    expect(new Set(calls.map((c) => `${c.action} ${c.kind}`))).toEqual(
      new Set([
        'dynamodb:UpdateItem drainLedger',
        'elasticloadbalancing:DeregisterTargets targetGroup',
        'elasticloadbalancing:RegisterTargets targetGroup',
        'ecs:StopTask task',
        'ecs:DescribeTasks task',
      ]),
    );
  });

  it('names the function, action and resource a role refuses', async () => {
    const withoutBatchGet = {
      ...dev,
      functionPolicies: {
        ...dev.functionPolicies,
        decide: {
          ...dev.functionPolicies.decide,
          Statement: dev.functionPolicies.decide.Statement.map((statement) => {
            const s = statement as { Action: string | string[] };
            const actions = [s.Action].flat().filter((action) => action !== 'dynamodb:BatchGetItem');
            return { ...s, Action: actions.length > 0 ? actions : 'none:None' };
          }),
        },
      },
    };
    expect(await deniedFunctionCalls([call({})], dev)).toEqual([]);
    expect(await deniedFunctionCalls([call({})], withoutBatchGet)).toEqual([
      expect.stringMatching(
        /^dev: decide may not dynamodb:BatchGetItem on arn:aws:dynamodb:[a-z0-9-]+:111122223333:table\/spillway-dev-state/,
      ),
    ]);
  });

  it('refuses a call it cannot model, and one on a resource that is not Spillway’s', async () => {
    const findings = await deniedFunctionCalls(
      [
        call({
          action: '?:DeleteTable',
          operation: 'DeleteTable',
          unmodelled: 'no model of dynamodb DeleteTable',
        }),
        call({ resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/someone-else' }),
      ],
      dev,
    );
    expect(findings).toEqual([
      expect.stringContaining('does not model'),
      expect.stringContaining('not one of Spillway'),
    ]);
  });

  it('checks the roles RunTask passes and the cluster it runs in', async () => {
    const runTask = call({
      client: 'ECSClient',
      operation: 'RunTask',
      region: 'us-west-2',
      action: 'ecs:RunTask',
      resource: 'arn:aws:ecs:us-west-2:123456789012:task-definition/burst-drain:1',
      context: { 'ecs:cluster': 'arn:aws:ecs:us-west-2:123456789012:cluster/spillway-test' },
    });
    expect(await deniedFunctionCalls([runTask], dev)).toEqual([]);
    // The ingest role has no ECS rights: every placement's RunTask and PassRole is named.
    const denied = await deniedFunctionCalls([{ ...runTask, fn: 'ingest' }], dev);
    expect(denied.some((d) => d.includes('ingest may not ecs:RunTask'))).toBe(true);
    expect(denied.some((d) => d.includes('ingest may not iam:PassRole'))).toBe(true);
  });
});
