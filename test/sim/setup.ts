/**
 * What every simulation run shares: the configuration it starts from, the scheduler binding, and
 * the run itself (steps with safety checks after each, then quiescence and liveness).
 */
import type fc from 'fast-check';
import { parseConfig } from '../../src/config/load';
import type { SpillwayConfig } from '../../src/config/schema';
import { BoundsCheck, checkAccounted, checkQuiescent, checkStep } from './invariants';
import { applyStep, quiesce, type Step, type StepContext } from './ops';
import { type Scheduling, World } from './world';

export const burstRegion = (region: string, family: string, extra: Record<string, unknown> = {}) => ({
  region,
  cluster: 'spillway-burst',
  taskDefinition: {
    family,
    image: 'public.ecr.aws/nginx/nginx:stable',
    cpu: 256,
    memoryMiB: 512,
    containerPort: 8080,
  },
  network: { subnets: ['subnet-0a1b2c3d4e5f60001'], securityGroups: ['sg-0a1b2c3d4e5f60001'] },
  ...extra,
});

/**
 * Two workloads sharing a burst cluster: one spread over two regions with a per-region max, Fargate
 * Spot and moving back to its preferred region, one with a floor. Short cooldowns, so a run reaches scale-in within its steps.
 */
export function simConfig(overrides: Record<string, unknown> = {}): SpillwayConfig {
  return parseConfig(
    {
      environment: 'local',
      controlRegion: 'us-east-1',
      sites: [{ id: 'onprem-dc1', kind: 'onprem' }],
      workloads: [
        {
          name: 'checkout-api',
          homeSite: 'onprem-dc1',
          burstRegions: [
            burstRegion('us-west-2', 'checkout-api', {
              maxTasks: 4,
              targetGroupArn:
                'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/checkout/0123456789abcdef',
              fargateSpot: { onDemandBase: 1 },
            }),
            burstRegion('eu-west-1', 'checkout-api'),
          ],
          maxBurstTasks: 6,
          scaleOutStep: 2,
          scaleInStep: 1,
          scaleOutCooldownSeconds: 60,
          scaleInCooldownSeconds: 120,
          scaleInStabilisationSeconds: 60,
          drainSeconds: 30,
          homeCapacityTasks: 4,
          // Tasks a fallback left in eu-west-1 move back once us-west-2 takes them again.
          rebalance: 'preferred-region',
          rebalanceIntervalSeconds: 60,
          ...overrides,
        },
        {
          name: 'search-api',
          homeSite: 'onprem-dc1',
          burstRegions: [burstRegion('eu-west-1', 'search-api')],
          minBurstTasks: 1,
          maxBurstTasks: 3,
          scaleOutStep: 1,
          scaleOutCooldownSeconds: 30,
          scaleInCooldownSeconds: 60,
          drainSeconds: 10,
        },
      ],
      signals: { alertmanager: { workloadLabel: 'workload' } },
      // checkout-api's home is evacuated for an hour, two hours in: runs that go that far meet it.
      maintenanceWindows: [
        {
          name: 'dc1-power',
          site: 'onprem-dc1',
          start: '2026-03-01T14:00:00Z',
          end: '2026-03-01T15:00:00Z',
          leadSeconds: 900,
          workloads: ['checkout-api'],
          reason: 'simulated power work',
        },
      ],
    },
    'simulation',
  );
}

/**
 * simConfig with its site watched for heartbeats, lost 120 s after they stop (with a witness, only
 * once it fails too), so a run's `site`, `witness` and `reconcilers` steps evacuate and fail back.
 */
export function watchedSiteConfig(options: { readonly witness: boolean }): SpillwayConfig {
  const base = simConfig();
  return {
    ...base,
    sites: base.sites.map((site) => ({
      ...site,
      heartbeat: {
        lossAfterSeconds: 120,
        recoveryStableSeconds: 300,
        flapWindowSeconds: 3600,
        alertmanagerWatchdog: false,
        spendGuardDuringLoss: 'exceed' as const,
        ...(options.witness
          ? { witness: { url: 'https://dc1.example/health', timeoutSeconds: 5, expectStatus: 200 } }
          : {}),
      },
    })),
  };
}

/** fast-check's scheduler chooses which waiting port call goes next. */
export const schedulingOf = (s: fc.Scheduler): Scheduling => ({
  gate: (label) => s.schedule(Promise.resolve(label), label).then(() => undefined),
  run: (work) => s.waitFor(work),
});

/** One run: every step, the safety checks after each, then quiescence and the liveness checks. */
export async function simulate(
  steps: readonly Step[],
  scheduling: Scheduling,
  seed: number,
  config: SpillwayConfig = simConfig(),
): Promise<World> {
  const world = new World(config, scheduling, seed);
  const bounds = new BoundsCheck();
  const context: StepContext = { original: config, onDeploy: () => bounds.deployed(world), commandSeq: 0 };
  for (const [index, step] of steps.entries()) {
    try {
      await applyStep(world, step, context);
      checkStep(world);
      bounds.check(world);
    } catch (error) {
      throw new Error(`step ${index} ${JSON.stringify(step)}: ${(error as Error).message}`, { cause: error });
    }
  }
  try {
    await quiesce(world, context);
    checkStep(world);
    bounds.check(world);
    checkQuiescent(world);
    checkAccounted(world);
  } catch (error) {
    throw Object.assign(new Error(`at quiescence: ${(error as Error).message}`, { cause: error }), { world });
  }
  return world;
}
