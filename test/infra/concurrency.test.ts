import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECIDE_MAX_CONCURRENCY } from '../../infra/constructs/control-plane-stateful';
import {
  RECONCILE_MAX_EVENT_AGE,
  RECONCILE_RESERVED_CONCURRENCY,
} from '../../infra/constructs/control-plane-stateless';
import type { SpillwayStacks } from '../../infra/spillway-app';
import { buildTestApp, removeTemporaryDirectories, resourcesOf } from './synth-spillway';

afterAll(removeTemporaryDirectories);

/** What reconcile acts on: a task that runs, one that stopped, and a Spot interruption warning. */
const reconcileWorthy = [{ lastStatus: ['RUNNING', 'STOPPED'] }, { stopCode: ['SpotInterruption'] }];

const taskStatePatterns = (template: Template) =>
  Object.values(resourcesOf(template, 'AWS::Events::Rule'))
    .map(
      (rule) =>
        rule.Properties.EventPattern as { 'detail-type'?: string[]; detail?: Record<string, unknown> },
    )
    .filter((pattern) => pattern?.['detail-type']?.[0] === 'ECS Task State Change');

describe.each(['dev', 'staging', 'prod'] as const)('concurrency bounds (%s)', (environment) => {
  let stacks: SpillwayStacks;
  let control: Template;
  const functionOf = (name: 'decide' | 'reconcile') => {
    const fn = stacks.control.stateless[name].function;
    return Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement);
  };

  beforeAll(() => {
    // Prepare
    stacks = buildTestApp({ environment });
    control = Template.fromStack(stacks.control);
  });

  it('feeds decide from the signals queue with at most DECIDE_MAX_CONCURRENCY invocations', () => {
    // Assess
    control.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionOf('decide') },
      ScalingConfig: { MaximumConcurrency: DECIDE_MAX_CONCURRENCY },
    });
  });

  it('reserves a bounded concurrency for reconcile, and drops events older than the next ticks', () => {
    // Assess
    const reconcile = resourcesOf(control, 'AWS::Lambda::Function')[functionOf('reconcile')];
    expect(reconcile?.Properties.ReservedConcurrentExecutions).toBe(RECONCILE_RESERVED_CONCURRENCY);
    control.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionOf('reconcile') },
      MaximumEventAgeInSeconds: RECONCILE_MAX_EVENT_AGE.toSeconds(),
    });
    // Ingest answers webhooks and decide is bounded by its queue: neither takes from the account's pool.
    for (const name of ['ingest', 'decide'] as const) {
      const fn = stacks.control.stateless[name].function;
      const id = Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement);
      expect(
        resourcesOf(control, 'AWS::Lambda::Function')[id]?.Properties.ReservedConcurrentExecutions,
      ).toBeUndefined();
    }
  });

  it('reconciles only on the task state changes it acts on, in the control region and every forwarder', () => {
    // Prepare
    const patterns = [
      ...taskStatePatterns(control),
      ...[...stacks.burst.values()].flatMap((stack) => taskStatePatterns(Template.fromStack(stack))),
    ];

    // Assess: the control rule, and one forwarder per burst region outside the control region.
    expect(patterns).toHaveLength(1 + stacks.burst.size);
    for (const pattern of patterns) {
      expect(pattern.detail).toMatchObject({ startedBy: ['spillway'], $or: reconcileWorthy });
    }
  });
});
