import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { METRICS, type MetricName } from '../../src/usecases/metrics';
import { buildTestApp, removeTemporaryDirectories, resourcesOf } from './synth-spillway';

afterAll(removeTemporaryDirectories);

type Resource = { Properties: Record<string, unknown> };

/** The logical id a `{ Ref: … }` names. */
const refOf = (value: unknown): string | undefined => (value as { Ref?: string } | undefined)?.Ref;

describe.each(['dev', 'staging', 'prod'] as const)('alarms that reach someone (%s)', (environment) => {
  const stacks = buildTestApp({ environment });
  const templates = [stacks.control, ...stacks.burst.values()].map((stack) => ({
    stack,
    template: Template.fromStack(stack),
  }));

  it("subscribes the config's notifications to one encrypted topic per region", () => {
    for (const { template } of templates) {
      const topics = Object.values(resourcesOf(template, 'AWS::SNS::Topic'));
      expect(topics).toHaveLength(1);
      expect(topics[0]?.Properties.KmsMasterKeyId).toBeDefined();
      const endpoints = Object.values(resourcesOf(template, 'AWS::SNS::Subscription')).map((s) => [
        s.Properties.Protocol,
        s.Properties.Endpoint,
      ]);
      expect(endpoints.sort()).toEqual(
        [
          ...stacks.config.notifications.emails.map((e) => ['email', e]),
          ...stacks.config.notifications.https.map((u) => ['https', u]),
        ].sort(),
      );
    }
  });

  it('has every alarm notify its own region topic when it fires and when it recovers', () => {
    for (const { stack, template } of templates) {
      const [topicId] = Object.keys(resourcesOf(template, 'AWS::SNS::Topic'));
      const alarms = Object.entries(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
      expect(alarms.length, stack.stackName).toBeGreaterThan(0);
      for (const [id, alarm] of alarms) {
        const actions = (alarm.Properties.AlarmActions as unknown[] | undefined) ?? [];
        const ok = (alarm.Properties.OKActions as unknown[] | undefined) ?? [];
        expect(actions.map(refOf), `${stack.stackName} ${id}`).toEqual([topicId]);
        expect(ok.map(refOf), `${stack.stackName} ${id}`).toEqual([topicId]);
        expect(alarm.Properties.AlarmDescription, `${stack.stackName} ${id}`).toBeTruthy();
      }
    }
  });

  it('alarms on the metrics the functions emit with exactly the dimensions they write', () => {
    // A dimension set other than the one Powertools writes is another metric, forever empty.
    const control = Template.fromStack(stacks.control);
    const spillway = Object.values(resourcesOf(control, 'AWS::CloudWatch::Alarm')).filter(
      (a: Resource) => a.Properties.Namespace === 'Spillway',
    );
    const named = new Set(spillway.map((a) => a.Properties.MetricName as MetricName));
    expect([...named].sort()).toEqual([
      'BreakerOpen',
      'CrashLoops',
      'DrainsFailed',
      'DrillsFailed',
      'ReconcileErrors',
    ]);
    for (const alarm of spillway) {
      const name = alarm.Properties.MetricName as MetricName;
      const dimensions = (alarm.Properties.Dimensions as { Name: string; Value: string }[]).map(
        (d) => d.Name,
      );
      expect(dimensions.sort()).toEqual(['environment', 'service', ...METRICS[name].dimensions].sort());
      const values = Object.fromEntries(
        (alarm.Properties.Dimensions as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]),
      );
      expect(values).toMatchObject({ service: 'spillway', environment });
    }
    // One crash-loop alarm per workload, one failed-drain alarm per burst region
    const crashLoops = spillway.filter((a) => a.Properties.MetricName === 'CrashLoops');
    expect(crashLoops).toHaveLength(stacks.config.workloads.length);
    const drainsFailed = spillway.filter((a) => a.Properties.MetricName === 'DrainsFailed');
    expect(drainsFailed).toHaveLength(stacks.burst.size);
    // One failed-drill alarm per workload: the region is in the drill's result.
    const drillsFailed = spillway.filter((a) => a.Properties.MetricName === 'DrillsFailed');
    expect(drillsFailed).toHaveLength(stacks.config.workloads.length);
  });

  it('watches each burst region for failed and timed-out drain executions', () => {
    for (const [region, stack] of stacks.burst) {
      const metrics = Object.values(resourcesOf(Template.fromStack(stack), 'AWS::CloudWatch::Alarm')).map(
        (a) => `${a.Properties.Namespace}/${a.Properties.MetricName}`,
      );
      expect(metrics, region).toEqual(
        expect.arrayContaining(['AWS/States/ExecutionsFailed', 'AWS/States/ExecutionsTimedOut']),
      );
    }
  });

  it('draws every metric of the catalogue on the environment dashboard', () => {
    const control = Template.fromStack(stacks.control);
    const dashboards = Object.values(resourcesOf(control, 'AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]?.Properties.DashboardName).toBe(`spillway-${environment}`);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const name of Object.keys(METRICS)) expect(body, name).toContain(name);
  });
});
