import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpillwayStacks } from '../../infra/spillway-app';
import { buildTestApp, removeTemporaryDirectories, resourcesOf } from './synth-spillway';

afterAll(removeTemporaryDirectories);

describe.each(['dev', 'staging', 'prod'] as const)('burst clusters (%s)', (environment) => {
  let stacks: SpillwayStacks;

  beforeAll(() => {
    // Prepare: one synthesis per environment
    stacks = buildTestApp({ environment });
  });

  it('associates Fargate and Fargate Spot with every burst cluster, so RunTask can name FARGATE_SPOT', () => {
    // Assess
    for (const stack of stacks.burst.values()) {
      const clusters = Object.values(resourcesOf(Template.fromStack(stack), 'AWS::ECS::Cluster'));
      expect(clusters.length).toBeGreaterThan(0);
      for (const cluster of clusters) {
        expect(cluster.Properties.CapacityProviders).toEqual(['FARGATE', 'FARGATE_SPOT']);
      }
    }
  });

  it('defaults every burst cluster to plain Fargate, so a task started without a strategy is never on Spot', () => {
    // Assess
    for (const stack of stacks.burst.values()) {
      for (const cluster of Object.values(resourcesOf(Template.fromStack(stack), 'AWS::ECS::Cluster'))) {
        expect(cluster.Properties.DefaultCapacityProviderStrategy).toEqual([
          { CapacityProvider: 'FARGATE', Weight: 1 },
        ]);
      }
    }
  });
});
