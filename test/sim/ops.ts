/**
 * The steps a simulation is made of, the arbitraries that generate them, and what each does to
 * the world. A step is data, so a failing run prints as a readable list that replays exactly.
 */
import fc from 'fast-check';
import type { SpillwayConfig } from '../../src/config/schema';
import { checkAdopted } from './invariants';
import type { Delivery } from './monitor';
import type { World } from './world';

export type Step =
  | { readonly kind: 'fire'; readonly workload: number; readonly alert: number; readonly severity: string }
  | { readonly kind: 'resolve'; readonly workload: number; readonly alert: number }
  | { readonly kind: 'resend'; readonly workload: number }
  | { readonly kind: 'replay'; readonly index: number }
  | { readonly kind: 'storm'; readonly workload: number; readonly size: number }
  | { readonly kind: 'resolveStorm'; readonly workload: number }
  | {
      readonly kind: 'decide';
      readonly deciders: number;
      readonly reconcile: boolean;
      readonly workflows: boolean;
    }
  | { readonly kind: 'reconcile' }
  | { readonly kind: 'workflows' }
  | { readonly kind: 'advance'; readonly seconds: number }
  | { readonly kind: 'redeliver'; readonly index: number }
  | {
      readonly kind: 'crash';
      readonly countdown: number;
      readonly after: boolean;
      readonly operation?: string;
    }
  | { readonly kind: 'lose'; readonly workload: number; readonly alert: number }
  | { readonly kind: 'ecsError'; readonly name: string | null }
  | { readonly kind: 'outage'; readonly service: 'dynamodb' | 'ecs' | 'states'; readonly on: boolean }
  | { readonly kind: 'throttle'; readonly service: 'dynamodb' | 'ecs'; readonly calls: number }
  | { readonly kind: 'kill'; readonly index: number; readonly event: boolean }
  | { readonly kind: 'spot'; readonly index: number }
  | { readonly kind: 'capacity'; readonly region: number; readonly tasks: number | null }
  | { readonly kind: 'failStop'; readonly calls: number }
  | { readonly kind: 'timeOut'; readonly index: number }
  | { readonly kind: 'clientToken'; readonly honoured: boolean }
  | { readonly kind: 'deploy'; readonly change: 'lowerMax' | 'removeRegion' | 'original' }
  /** The first site's heartbeats start or stop; its witness answers or not; reconcilers racing. */
  | { readonly kind: 'site'; readonly up: boolean }
  | { readonly kind: 'witness'; readonly ok: boolean }
  | { readonly kind: 'reconcilers'; readonly count: number }
  | {
      readonly kind: 'command';
      readonly workload: number;
      readonly action:
        | 'burst'
        | 'drain_all'
        | 'pause'
        | 'resume'
        | 'evacuate'
        | 'end_evacuation'
        /** A readiness drill: one task per burst region, racing the scale-outs for room under the max. */
        | 'drill';
      readonly count: number;
    };

const workload = fc.integer({ min: 0, max: 1 });

/** Weighted towards the steps that move the loop, with every fault present. */
export const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('fire' as const),
      workload,
      alert: fc.integer({ min: 0, max: 2 }),
      severity: fc.constantFrom('warning', 'critical'),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('resolve' as const),
      workload,
      alert: fc.integer({ min: 0, max: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resend' as const), workload }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replay' as const), index: fc.nat(50) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('storm' as const),
      workload,
      size: fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 2, max: 40 }) },
        { weight: 2, arbitrary: fc.constant(300) },
        { weight: 1, arbitrary: fc.constant(3000) },
        { weight: 1, arbitrary: fc.constant(10_000) },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resolveStorm' as const), workload }) },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('decide' as const),
      deciders: fc.integer({ min: 1, max: 3 }),
      reconcile: fc.boolean(),
      workflows: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'reconcile' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'workflows' as const }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      seconds: fc.oneof(
        { weight: 20, arbitrary: fc.constantFrom(5, 30, 61, 121, 301, 900) },
        { weight: 1, arbitrary: fc.constant(49 * 3600) },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('redeliver' as const), index: fc.nat(10) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('crash' as const),
      countdown: fc.integer({ min: 1, max: 25 }),
      after: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('outage' as const),
      service: fc.constantFrom('dynamodb' as const, 'ecs' as const, 'states' as const),
      on: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('throttle' as const),
      service: fc.constantFrom('dynamodb' as const, 'ecs' as const),
      calls: fc.integer({ min: 1, max: 8 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('kill' as const), index: fc.nat(10), event: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('spot' as const), index: fc.nat(10) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('capacity' as const),
      region: fc.nat(1),
      tasks: fc.option(fc.nat(3)),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('failStop' as const), calls: fc.integer({ min: 1, max: 4 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('timeOut' as const), index: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clientToken' as const), honoured: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('deploy' as const),
      change: fc.constantFrom('lowerMax' as const, 'removeRegion' as const, 'original' as const),
    }),
  },
  // Site loss: heartbeats stopping and coming back, a witness failing, reconcilers racing to
  // notice. Heartbeats need `advance` to flow and a site that is down needs minutes of reconciles
  // to be lost, so these are rare next to the steps that pass time.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('site' as const), up: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('witness' as const), ok: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('reconcilers' as const),
      count: fc.integer({ min: 2, max: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('command' as const),
      workload,
      action: fc.constantFrom(
        'burst' as const,
        'drain_all' as const,
        'pause' as const,
        'resume' as const,
        'evacuate' as const,
        'end_evacuation' as const,
        'drill' as const,
      ),
      count: fc.integer({ min: 1, max: 4 }),
    }),
  },
);

export const REGIONS = ['us-west-2', 'eu-west-1'] as const;

/** The deploys a `deploy` step chooses between, from the configuration the run started with. */
export function deployments(
  original: SpillwayConfig,
): Record<'lowerMax' | 'removeRegion' | 'original', SpillwayConfig> {
  const lowerMax: SpillwayConfig = {
    ...original,
    workloads: original.workloads.map((w) => ({
      ...w,
      maxBurstTasks: Math.max(1, Math.floor(w.maxBurstTasks / 2)),
      minBurstTasks: Math.min(w.minBurstTasks, Math.max(1, Math.floor(w.maxBurstTasks / 2))),
    })),
  };
  const removeRegion: SpillwayConfig = {
    ...original,
    workloads: original.workloads.map((w) =>
      w.burstRegions.length > 1 ? { ...w, burstRegions: w.burstRegions.slice(0, 1) } : w,
    ),
  };
  return { lowerMax, removeRegion, original };
}

export interface StepContext {
  readonly original: SpillwayConfig;
  readonly onDeploy: () => void;
  commandSeq: number;
}

/** Carries one step out in the world; invariants are checked by the caller after it. */
export async function applyStep(world: World, step: Step, context: StepContext): Promise<void> {
  const now = world.clock();
  const name = world.monitor.workloadOf('workload' in step ? step.workload : 0);
  const send = async (delivery: Delivery | Delivery[] | undefined) => {
    for (const one of Array.isArray(delivery) ? delivery : delivery ? [delivery] : [])
      await world.scheduling.run(world.ingest(one));
  };
  switch (step.kind) {
    case 'fire':
      return send(world.monitor.fire(name, step.alert, step.severity, now));
    case 'resolve':
      return send(world.monitor.resolve(name, step.alert, now));
    case 'resend':
      return send(world.monitor.resend(name, now));
    case 'replay':
      return send(world.monitor.replay(step.index));
    case 'storm':
      return send(world.monitor.storm(name, step.size, now));
    case 'resolveStorm':
      return send(world.monitor.resolveAll(name, now));
    case 'decide': {
      const running = new Set(world.ecs.running().map((t) => t.taskArn));
      const work: Promise<unknown>[] = Array.from({ length: step.deciders }, () => world.decide());
      const reconcile = step.reconcile ? world.reconcile() : undefined;
      if (reconcile) work.push(reconcile);
      if (step.workflows) work.push(world.runWorkflows());
      await world.scheduling.run(Promise.all(work));
      if (reconcile && (await reconcile).completed) checkAdopted(world, running);
      return;
    }
    case 'reconcile': {
      const running = new Set(world.ecs.running().map((t) => t.taskArn));
      const outcome = await world.scheduling.run(world.reconcile());
      if (outcome.completed) checkAdopted(world, running);
      return;
    }
    case 'workflows':
      return world.scheduling.run(world.runWorkflows());
    case 'advance': {
      world.advance(step.seconds);
      await world.sendHeartbeats();
      world.sendDueMaintenance();
      if (step.seconds >= 120) world.ecs.reclaimSpot();
      for (const delivery of world.monitor.takeUnsent()) await send(delivery);
      return;
    }
    case 'redeliver':
      world.sqs.redeliver(step.index, world.now);
      return;
    case 'crash':
      world.crash = {
        countdown: step.countdown,
        after: step.after,
        ...(step.operation ? { operation: step.operation } : {}),
      };
      return;
    case 'lose':
      world.monitor.loseResolution(name, step.alert);
      return;
    case 'ecsError':
      world.ecs.permanentError = step.name
        ? Object.assign(new Error(`simulated ${step.name}`), { name: step.name })
        : undefined;
      return;
    case 'outage':
      if (step.on) world.outage.add(step.service);
      else world.outage.delete(step.service);
      return;
    case 'throttle':
      if (step.service === 'ecs') world.ecs.throttleRunTask += step.calls;
      else world.throttleDynamo += step.calls;
      return;
    case 'kill': {
      const task = world.ecs.kill(step.index);
      if (task && step.event) await world.scheduling.run(world.reconcile(world.taskEvent(task)));
      return;
    }
    case 'spot': {
      const task = world.ecs.interruptSpot(step.index);
      if (task) await world.scheduling.run(world.reconcile(world.taskEvent(task, 'RUNNING')));
      return;
    }
    case 'capacity': {
      const region = REGIONS[step.region % REGIONS.length] as string;
      if (step.tasks === null) world.ecs.capacity.delete(region);
      else world.ecs.capacity.set(region, step.tasks);
      return;
    }
    case 'failStop':
      world.sfn.failStopTask += step.calls;
      return;
    case 'timeOut':
      world.sfn.timeOut(step.index);
      return;
    case 'clientToken':
      world.ecs.honourClientToken = step.honoured;
      return;
    case 'deploy':
      world.config = deployments(context.original)[step.change];
      context.onDeploy();
      return;
    case 'site':
      return world.setSiteUp(world.config.sites[0]?.id ?? '', step.up);
    case 'witness':
      world.witnessOk = step.ok;
      return;
    case 'reconcilers': {
      const runs = Array.from({ length: step.count }, () => world.reconcile());
      await world.scheduling.run(Promise.all(runs));
      return;
    }
    case 'command': {
      const id = `sim-${step.action}-${++context.commandSeq}`;
      const counted = step.action === 'burst';
      world.sendCommand({
        id,
        workload: name,
        action: step.action,
        reason: `simulated ${step.action}`,
        ...(counted ? { count: step.count } : {}),
      });
      return;
    }
  }
}

/**
 * Brings the world to rest: faults cleared, every alert resolved, operators' pauses and dry-runs
 * lifted, then time passes in steps with every function running until nothing changes.
 */
export async function quiesce(world: World, context: StepContext): Promise<void> {
  world.crash = undefined;
  world.outage.clear();
  world.throttleDynamo = 0;
  world.ecs.capacity.clear();
  world.ecs.permanentError = undefined;
  // Throttling and refused StopTasks are finite counts: they stay, and retries must outlast them.
  for (const w of world.config.workloads) {
    for (const delivery of world.monitor.resolveAll(w.name, world.clock()))
      await world.scheduling.run(world.ingest(delivery));
    for (const action of ['resume', 'dry_run_off'] as const)
      world.sendCommand({
        id: `sim-quiesce-${action}-${++context.commandSeq}`,
        workload: w.name,
        action,
        reason: 'quiesce',
      });
  }
  // Long enough for every cooldown, stabilisation window, breaker, crash-loop window and drain.
  for (let round = 0; round < 240; round++) {
    world.advance(30);
    await world.sendHeartbeats();
    world.sendDueMaintenance();
    world.ecs.reclaimSpot();
    for (const delivery of world.monitor.takeUnsent()) await world.scheduling.run(world.ingest(delivery));
    for (let i = 0; i < 20 && world.sqs.messages.some((m) => m.visibleAt <= world.now); i++)
      await world.scheduling.run(world.decide());
    await world.scheduling.run(world.reconcile());
    await world.scheduling.run(world.runWorkflows());
  }
}
