/**
 * The README's invariants as checks over the simulated world. Safety is checked after every step;
 * liveness once the world is quiet (every alert resolved, faults cleared, time passed).
 */
import type { WorkloadConfig } from '../../src/config/schema';
import { evacuationTarget } from '../../src/core/sizing';
import { countLive, type WorkloadState } from '../../src/core/workload-state';
import type { World } from './world';

export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

const regionMax = (workload: WorkloadConfig | undefined, region: string): number => {
  if (!workload) return 0;
  const burstRegion = workload.burstRegions.find((r) => r.region === region);
  if (!burstRegion) return 0;
  return Math.min(burstRegion.maxTasks ?? workload.maxBurstTasks, workload.maxBurstTasks);
};

/** Burst tasks ECS runs for a workload, per region and in total ('*'). */
function ecsCounts(world: World, workload: string): Map<string, number> {
  const counts = new Map<string, number>([['*', 0]]);
  for (const task of world.ecs.running()) {
    if (task.tags['spillway:workload'] !== workload) continue;
    counts.set(task.region, (counts.get(task.region) ?? 0) + 1);
    counts.set('*', (counts.get('*') ?? 0) + 1);
  }
  return counts;
}

/**
 * Every task the state counts as live (those on their way out included, since they may still run)
 * and every pending launch, per region and in total: what the README's invariant 3 bounds.
 */
function stateCounts(state: WorkloadState): Map<string, number> {
  const live = countLive(state);
  return new Map([['*', live.total], ...live.byRegion]);
}

/**
 * Invariant 3, never above the max: live + pending burst tasks, in the state and in ECS, stay within
 * the workload's max in total and per region. A deploy that lowers a max (or removes a region)
 * may leave more than the new max running; from then on the count may only come down until it
 * is within the new one. `allowance` carries that per workload and region between steps.
 */
export class BoundsCheck {
  private readonly allowance = new Map<string, number>();

  /** After a deploy: what runs now is allowed, and only allowed to shrink. */
  deployed(world: World): void {
    for (const [key, count] of this.counts(world)) {
      const limit = this.limit(world, key);
      this.allowance.set(key, Math.max(limit, count));
    }
  }

  check(world: World): void {
    for (const [key, count] of this.counts(world)) {
      const limit = this.limit(world, key);
      const allowed = this.allowance.get(key) ?? limit;
      if (count > allowed)
        throw new InvariantViolation(
          `bounds: ${key} has ${count} live + pending burst task(s), above its max ${limit}${allowed > limit ? ` (or the ${allowed} left from before a deploy)` : ''}`,
        );
      this.allowance.set(key, Math.max(limit, Math.min(allowed, count)));
    }
  }

  private limit(world: World, key: string): number {
    const [workloadName, , region] = key.split(' ') as [string, string, string];
    const workload = world.config.workloads.find((w) => w.name === workloadName);
    return region === '*' ? (workload?.maxBurstTasks ?? 0) : regionMax(workload, region);
  }

  private counts(world: World): Map<string, number> {
    const counts = new Map<string, number>();
    const workloads = new Set([...world.config.workloads.map((w) => w.name)]);
    for (const name of workloads) {
      for (const [source, byRegion] of [
        ['state', stateCounts(world.table.peek(name))],
        ['ecs', ecsCounts(world, name)],
      ] as const)
        for (const [region, n] of byRegion) counts.set(`${name} ${source} ${region}`, n);
    }
    return counts;
  }
}

/** Invariants checked after every step that need no memory between steps. */
export function checkStep(world: World): void {
  checkNotDoubled(world);
  // A called-off drain never stops its task (invariant 6).
  const [breach] = world.sfn.violations;
  if (breach) throw new InvariantViolation(`drain: ${breach}`);
  // No state item above DynamoDB's 400 KB: a state that cannot be written wedges its workload.
  const [oversize] = world.table.oversizeWrites;
  if (oversize)
    throw new InvariantViolation(
      `state size: ${oversize.workload}'s state item would be ${oversize.bytes} bytes, above DynamoDB's 400 KB`,
    );
}

/**
 * Invariant 5, nothing leaks: after a reconcile run that completed, every running task with a
 * workload's Spillway tags that was running when it began is in that workload's state, or belongs
 * to a launch still pending (which finds its own tasks).
 */
export function checkAdopted(world: World, runningBefore: ReadonlySet<string>): void {
  for (const task of world.ecs.running()) {
    if (!runningBefore.has(task.taskArn)) continue;
    const workload = task.tags['spillway:workload'];
    if (!workload || !world.config.workloads.some((w) => w.name === workload)) continue;
    // A drill's task is its drill's, never adopted; checkQuiescent sees that every drill ends.
    if (task.tags['spillway:drill']) continue;
    const state = world.table.peek(workload);
    const recorded = Object.values(state.tasks).some((t) => t.taskArn === task.taskArn);
    const pending = state.pendingLaunches.some((p) => p.decisionId === task.tags['spillway:decision']);
    if (!recorded && !pending)
      throw new InvariantViolation(
        `leak: ${task.taskArn} (${workload}) runs but a full reconcile did not record it`,
      );
  }
}

/**
 * Invariant 4's "nothing lost": every signal ingest accepted and every command sent was decided on
 * (listed in a decision, or carried by a message the decide function processed and acknowledged,
 * which it does only once the decision is written) or sits in the dead-letter queue.
 */
export function checkAccounted(world: World): void {
  const seen = new Set<string>();
  for (const decision of world.table.decisions) {
    for (const signal of decision.signals) seen.add(signal.id);
    for (const command of decision.commands ?? []) seen.add(command.id);
  }
  const carried = new Set<string>();
  for (const body of [...world.acknowledged, ...world.sqs.deadLetters.map((d) => d.body)])
    for (const match of body.matchAll(/"id":"([^"]+)"/g)) carried.add(match[1] as string);
  for (const id of [...world.accepted, ...world.commands])
    if (!seen.has(id) && !carried.has(id))
      throw new InvariantViolation(`lost: ${id} was accepted but is neither decided on nor dead-lettered`);
}

/**
 * Liveness once every alert is resolved and the cooldowns, stabilisation and drains have had
 * their time: the burst is down to its floor (or the evacuation's home capacity), no drain is
 * unfinished, no task leaks, and the queue is empty.
 */
export function checkQuiescent(world: World): void {
  if (world.sqs.depth > 0)
    throw new InvariantViolation(`liveness: ${world.sqs.depth} message(s) still queued`);
  const running = world.sfn.running();
  if (running.length > 0)
    throw new InvariantViolation(
      `liveness: drain execution(s) still running: ${running.map((e) => e.name).join(', ')}`,
    );
  for (const workload of world.config.workloads) {
    const state = world.table.peek(workload.name);
    const target = state.evacuation
      ? Math.max(workload.minBurstTasks, evacuationTarget(workload))
      : workload.minBurstTasks;
    const inEcs = world.ecs.running().filter((t) => t.tags['spillway:workload'] === workload.name);
    const unsettled = Object.values(state.tasks).filter(
      (t) => t.status !== 'running' && t.status !== 'stopped',
    );
    if (unsettled.length > 0)
      throw new InvariantViolation(
        `liveness: ${workload.name} has unfinished drains: ${unsettled.map((t) => `${t.taskId.slice(-6)} ${t.status}`).join(', ')}`,
      );
    if (state.pendingLaunches.length > 0)
      throw new InvariantViolation(`liveness: ${workload.name} has launches still pending`);
    const drills = Object.values(state.drills ?? {});
    if (drills.length > 0)
      throw new InvariantViolation(
        `liveness: ${workload.name} has drills that never ended: ${drills.map((d) => `${d.region} ${d.phase}`).join(', ')}`,
      );
    const recorded = new Set(
      Object.values(state.tasks)
        .filter((t) => t.status === 'running')
        .map((t) => t.taskArn),
    );
    const leaked = inEcs.filter((t) => !recorded.has(t.taskArn));
    if (leaked.length > 0)
      throw new InvariantViolation(
        `liveness: ${workload.name} leaks ${leaked.length} task(s) that ECS runs and the state does not`,
      );
    if (inEcs.length !== target)
      throw new InvariantViolation(
        `liveness: ${workload.name} runs ${inEcs.length} burst task(s) once every alert resolved, not its floor ${target}` +
          ` (firing in state: ${Object.entries(state.alerts)
            .filter(([, a]) => a.state === 'firing')
            .map(([k]) => k)
            .join(', ')}; paused: ${!!state.paused})`,
      );
  }
}

/**
 * Invariant 1, nothing doubled: a scale-out decision starts at most the tasks it decided, however
 * often its launch is retried, taken over after a crash, or moved to another region.
 */
function checkNotDoubled(world: World): void {
  const decided = new Map<string, number>();
  for (const decision of world.table.decisions)
    if (decision.action.kind === 'scale_out')
      decided.set(
        decision.id,
        decision.action.placements.reduce((sum, p) => sum + p.count, 0),
      );
  const started = new Map<string, number>();
  for (const task of world.ecs.tasks.values()) {
    const id = task.tags['spillway:decision'] ?? '';
    started.set(id, (started.get(id) ?? 0) + 1);
  }
  for (const [id, count] of started) {
    const asked = decided.get(id);
    if (asked !== undefined && count > asked)
      throw new InvariantViolation(
        `doubled: decision ${id} asked for ${asked} task(s) and ECS started ${count}`,
      );
  }
}
