import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildTestApp,
  removeTemporaryDirectories,
  resourcesOf,
  statementsAllowing,
  statementsOfRole,
  writeConfigVariant,
} from './synth-spillway';

afterAll(removeTemporaryDirectories);

/** prod with its site watched for loss (a witness, the default spend guard choice) and a workload guard. */
const configDirectory = writeConfigVariant('prod', (document) => {
  const sites = document.sites as Record<string, unknown>[];
  sites[0] = {
    ...sites[0],
    heartbeat: { lossAfterSeconds: 180, witness: { url: 'https://dc1.example.net/health' } },
  };
  (document.workloads[0] as Record<string, unknown>).maxBurstCostPerHour = 5;
});

describe('site loss in the prod control plane', () => {
  const stacks = buildTestApp({ environment: 'prod', configDirectory });
  const template = Template.fromStack(stacks.control);
  const reconcile = stacks.control.stateless.reconcile;
  const roleId = Stack.of(reconcile).getLogicalId(reconcile.role.node.defaultChild as CfnElement);
  const site = stacks.config.sites[0]?.id as string;

  it('routes POST /heartbeats/{site} to the ingest function', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /heartbeats/{site}' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/{source}' });
  });

  it("gives the reconciler no permission on the signals queue: it applies a lost site's commands itself", () => {
    expect(statementsAllowing(statementsOfRole(template, roleId), 'sqs:SendMessage')).toEqual([]);
  });

  it('alarms when a watched site is lost, and when its evacuation exceeds a spend guard', () => {
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const lost = alarms.find((a) => a.MetricName === 'SiteLost');
    expect(lost).toMatchObject({
      AlarmName: `spillway-prod-site-lost-${site}`,
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(lost?.Dimensions).toEqual(expect.arrayContaining([{ Name: 'site', Value: site }]));
    const exceeded = alarms.filter((a) => a.MetricName === 'SpendGuardExceeded');
    expect(exceeded.map((a) => a.AlarmName)).toEqual([
      `spillway-prod-spend-guard-exceeded-${stacks.config.workloads[0]?.name}`,
    ]);
  });
});
