import { describe, expect, it } from 'vitest';
import { burstTopology, TopologyError } from '../../infra/burst-topology';
import type { BurstRegionConfig, WorkloadConfig } from '../../src/config/schema';

const burstRegion = (region: string, overrides: Partial<BurstRegionConfig> = {}): BurstRegionConfig => ({
  region,
  cluster: 'burst',
  taskDefinition: { family: 'checkout', image: 'nginx', cpu: 256, memoryMiB: 512, containerPort: 8080 },
  network: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: false },
  ...overrides,
});
const workload = (name: string, burstRegions: BurstRegionConfig[]): WorkloadConfig => ({
  name,
  homeSite: 'dc1',
  burstRegions,
  minBurstTasks: 0,
  maxBurstTasks: 4,
  scaleOutStep: 1,
  scaleInStep: 1,
  scaleOutCooldownSeconds: 60,
  scaleInCooldownSeconds: 300,
  drainSeconds: 30,
});

describe('burstTopology', () => {
  it('groups placements by region in first-seen order, with distinct clusters and target groups', () => {
    // Prepare
    const tg = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/a/1';
    const workloads = [
      workload('checkout', [burstRegion('eu-west-1', { targetGroupArn: tg }), burstRegion('eu-north-1')]),
      workload('search', [
        burstRegion('eu-west-1', {
          cluster: 'search-burst',
          targetGroupArn: tg,
          taskDefinition: { family: 'search', image: 'nginx', cpu: 256, memoryMiB: 512, containerPort: 80 },
        }),
      ]),
    ];

    // Act
    const topology = burstTopology({ workloads });

    // Assess
    expect(topology.map((t) => t.region)).toEqual(['eu-west-1', 'eu-north-1']);
    expect(topology[0]?.clusterNames).toEqual(['burst', 'search-burst']);
    expect(topology[0]?.placements.map((p) => p.workload.name)).toEqual(['checkout', 'search']);
    expect(topology[0]?.targetGroupArns).toEqual([tg]);
    expect(topology[1]?.targetGroupArns).toEqual([]);
  });

  it('refuses two workloads sharing a task definition family in one region, naming both', () => {
    // Prepare
    const workloads = [
      workload('checkout', [burstRegion('eu-west-1')]),
      workload('search', [burstRegion('eu-west-1')]),
    ];

    // Act
    const act = () => burstTopology({ workloads });

    // Assess
    expect(act).toThrow(TopologyError);
    expect(act).toThrow(/family checkout in eu-west-1 is used by workloads checkout and search/);
  });

  it('refuses a target group in another region than the tasks that join it', () => {
    // Prepare
    const tg = 'arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/a/1';
    const workloads = [workload('checkout', [burstRegion('eu-west-1', { targetGroupArn: tg })])];

    // Act
    const act = () => burstTopology({ workloads });

    // Assess
    expect(act).toThrow(/target group .* is in us-east-1, but its burst tasks run in eu-west-1/);
  });
});
