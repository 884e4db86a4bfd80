/**
 * The pure core's throughput, normalise + decide, in CPU time of this process (one core), on four
 * stated input mixes, each printed with the target. A figure, not a test: machines are noisy.
 *   fresh     200 workloads with 5 alerts each; every signal a new episode of its alert (it fires,
 *             then resolves), one webhook and one decision per signal; launches become tasks
 *   repeats   the same, half the signals redeliveries of the one before (at-least-once upstream)
 *   draining  200 workloads at their max, a third of their tasks draining, alerts coming and going
 *   storm     one workload flooded with distinct alerts: its state stays at the memory caps
 *             (200 alerts, 200 dedup keys); signals reach decide in the queue's batches of 10
 * Every decision's next state becomes the state of the next one, launches recorded as running
 * tasks and requested drains as draining ones: that stand-in for carry-out runs inside the timed
 * loop, so the figure is a little conservative.
 */

import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { loadConfigFile } from '../src/config/load';
import type { WorkloadConfig } from '../src/config/schema';
import { isoAt } from '../src/core/instant';
import { normaliseAlertmanager } from '../src/core/normalise/alertmanager';
import { decide } from '../src/core/policy';
import type { Signal } from '../src/core/signal';
import { type BurstTask, emptyWorkloadState, type WorkloadState } from '../src/core/workload-state';
import { functionBuildOptions } from '../src/runtime/bundling';
import { loadAlert } from './load-alert';

export const CORE_TARGET_SIGNALS_PER_SECOND = 50_000;
const T0 = Date.UTC(2026, 10, 25, 12);
const WORKLOADS = 200;
const ALERTS_PER_WORKLOAD = 5;
/** Alerts per Alertmanager notification, as `make load` sends them. */
const ALERTS_PER_NOTIFICATION = 5;
/** The decide function's event source mapping delivers up to 10 messages per batch. */
const QUEUE_BATCH = 10;
const SIGNALS = 20_000;

type MixName = 'fresh' | 'repeats' | 'draining' | 'storm';

interface Delivery {
  readonly body: string;
  /** The instant the webhook is handled and the decision made. */
  readonly at: number;
}

const task = (n: number, region: string, status: BurstTask['status'] = 'running'): BurstTask => {
  const taskId = n.toString(16).padStart(32, '0');
  return {
    taskArn: `arn:aws:ecs:${region}:123456789012:task/spillway-local/${taskId}`,
    taskId,
    region,
    cluster: 'spillway-local',
    decisionId: 'd-000000000000000000000000',
    startedAt: new Date(T0 - 3_600_000).toISOString(),
    status,
    ecsStatus: 'RUNNING',
    ...(status === 'draining' ? { drainRequestedAt: new Date(T0 - 60_000).toISOString() } : {}),
  };
};

let taskNumbers = 1_000;

/** What carry-out and the drain workflow leave behind, cheaply: launches run, drains proceed. */
function carriedOut(state: WorkloadState, at: number): WorkloadState {
  let tasks: Record<string, BurstTask> = state.tasks as Record<string, BurstTask>;
  if (state.pendingLaunches.length > 0) {
    tasks = { ...tasks };
    for (const launch of state.pendingLaunches)
      for (let i = 0; i < launch.count; i++) {
        const started = task(taskNumbers++, launch.region);
        tasks[started.taskId] = started;
      }
  }
  // A drain requested by one decision is under way at the next, and over at the one after.
  let draining = false;
  for (const id in tasks) {
    const status = tasks[id]?.status;
    if (status === 'drain_requested' || status === 'draining') draining = true;
  }
  if (draining) {
    tasks = { ...tasks };
    for (const [id, t] of Object.entries(tasks))
      if (t.status === 'drain_requested') tasks[id] = { ...t, status: 'draining' };
      else if (t.status === 'draining') tasks[id] = { ...t, status: 'stopped', stoppedAt: isoAt(at) };
  }
  return tasks === state.tasks ? state : { ...state, tasks, pendingLaunches: [] };
}

type Alert = ReturnType<typeof loadAlert>;

/** Signal k (0, 1, 2…) of one alert: episodes of a firing and then its resolution, a minute apart. */
function episodeAlert(workload: string, alert: number, k: number): Alert {
  const episode = Math.floor(k / 2);
  const startsAt = T0 + episode * 60_000 + alert * 1000;
  return loadAlert(workload, alert, k % 2 === 0 ? 'firing' : 'resolved', startsAt);
}

/** One notification carrying the alerts given, as Alertmanager groups them. */
const notification = (alerts: readonly Alert[]): string =>
  JSON.stringify({ ...(alerts[0] as Alert), alerts: alerts.flatMap((a) => a.alerts) });

/** The alerts of a mix, one per signal, in the order they are sent. */
function alertsOf(name: MixName, workloads: readonly WorkloadConfig[]): Alert[] {
  const out: Alert[] = [];
  if (name === 'storm') {
    const workload = workloads[0] as WorkloadConfig;
    for (let i = 0; i < SIGNALS; i++) {
      // Alert i fires at i × 10 ms; every third one resolves later in the storm.
      const resolving = i % 3 === 2;
      const alert = resolving ? i - 2 : i;
      out.push(loadAlert(workload.name, alert, resolving ? 'resolved' : 'firing', T0 + alert * 10));
    }
    return out;
  }
  const sent = new Map<string, number>();
  for (let i = 0; out.length < SIGNALS; i++) {
    const w = i % WORKLOADS;
    const alert = Math.floor(i / WORKLOADS) % ALERTS_PER_WORKLOAD;
    const key = `${w}/${alert}`;
    const k = sent.get(key) ?? 0;
    sent.set(key, k + 1);
    out.push(episodeAlert((workloads[w] as WorkloadConfig).name, alert, k));
  }
  return out;
}

/** The notifications of a mix: `perNotification` alerts each; `repeats` sends each one twice. */
function deliveries(
  name: MixName,
  workloads: readonly WorkloadConfig[],
  perNotification: number,
): Delivery[] {
  const alerts = alertsOf(name, workloads);
  const out: Delivery[] = [];
  for (let i = 0; i < alerts.length; i += perNotification) {
    const body = notification(alerts.slice(i, i + perNotification));
    const at = T0 + 60_000 + i * 30;
    out.push({ body, at });
    // Alertmanager in HA pairs: each peer notifies, so every notification arrives twice.
    if (name === 'repeats') out.push({ body, at: at + 15 });
  }
  return out;
}

function startStates(name: MixName, workloads: readonly WorkloadConfig[]): WorkloadState[] {
  return workloads.map((workload, w) => {
    const regions = workload.burstRegions.map((r) => r.region);
    const count = name === 'draining' ? workload.maxBurstTasks : name === 'storm' ? 0 : 2;
    const tasks = Object.fromEntries(
      Array.from({ length: count }, (_, i) =>
        task(w * 100 + i, regions[i % regions.length] as string, i % 3 === 2 ? 'draining' : 'running'),
      ).map((t) => [t.taskId, t]),
    );
    return { ...emptyWorkloadState(workload.name), tasks, desiredTasks: count };
  });
}

interface Run {
  readonly seconds: number;
  readonly signals: number;
  readonly decisions: number;
}

/**
 * Normalises the notifications, and decides on their signals in the queue's batches of 10, one
 * decision per workload per batch, as the ingest and decide functions do.
 */
function run(name: MixName, workloads: readonly WorkloadConfig[], all: readonly Delivery[]): Run {
  const mapping = {
    workloadLabel: 'workload',
    knownWorkloads: new Set(workloads.map((w) => w.name)),
  };
  const index = new Map(workloads.map((w, i) => [w.name, i]));
  const states = startStates(name, workloads);
  let signals = 0;
  let decisions = 0;
  let queued: Signal[] = [];
  let now = new Date(T0);
  const decideBatch = (batch: readonly Signal[]) => {
    const byWorkload = new Map<number, Signal[]>();
    for (const signal of batch) {
      const w = index.get(signal.workload) as number;
      const group = byWorkload.get(w);
      if (group) group.push(signal);
      else byWorkload.set(w, [signal]);
    }
    for (const [w, group] of byWorkload) {
      const workload = workloads[w] as WorkloadConfig;
      const state = states[w] as WorkloadState;
      const result = decide({ workload, state, signals: group, now });
      decisions++;
      if (result.changed)
        states[w] = carriedOut({ ...result.next, version: state.version + 1 }, now.getTime());
    }
  };
  const before = process.cpuUsage();
  for (const delivery of all) {
    now = new Date(delivery.at);
    const normalised = normaliseAlertmanager(JSON.parse(delivery.body), mapping, now);
    if (!normalised.ok) throw new Error(normalised.message);
    signals += normalised.signals.length;
    queued.push(...normalised.signals);
    while (queued.length >= QUEUE_BATCH) {
      decideBatch(queued.slice(0, QUEUE_BATCH));
      queued = queued.slice(QUEUE_BATCH);
    }
  }
  if (queued.length > 0) decideBatch(queued);
  const used = process.cpuUsage(before);
  return { seconds: (used.user + used.system) / 1e6, signals, decisions };
}

/** The mixes, measured in this process: run bundled, as deployed (see benchCore). */
export function measureCore(print: (line: string) => void = console.log): void {
  const config = loadConfigFile('config/local.yaml');
  const template = config.workloads[0] as WorkloadConfig;
  const workloads = Array.from({ length: WORKLOADS }, (_, i) => ({ ...template, name: `bench-${i}` }));
  const only = process.env.BENCH_MIX;
  const shapes: readonly { name: MixName; perNotification: number; label: string }[] = [
    { name: 'fresh', perNotification: 1, label: 'fresh, 1 alert per notification' },
    { name: 'fresh', perNotification: ALERTS_PER_NOTIFICATION, label: 'fresh' },
    { name: 'repeats', perNotification: ALERTS_PER_NOTIFICATION, label: 'repeats' },
    { name: 'draining', perNotification: ALERTS_PER_NOTIFICATION, label: 'draining' },
    { name: 'storm', perNotification: ALERTS_PER_NOTIFICATION, label: 'storm' },
  ];
  const mixes = shapes
    .filter(({ name }) => !only || only.split(',').includes(name))
    .map((shape) => ({ ...shape, all: deliveries(shape.name, workloads, shape.perNotification) }));
  // Warm-up: every mix twice before any is timed, so the first one timed does not pay for the JIT.
  for (let round = 0; round < 2; round++) for (const { name, all } of mixes) run(name, workloads, all);
  for (const { name, label, all } of mixes) {
    // A full collection first, so that no run pays for the garbage of the one before.
    (globalThis as { gc?: () => void }).gc?.();
    const { seconds, signals, decisions } = run(name, workloads, all);
    const rate = Math.round(signals / seconds);
    print(
      `core ${label.padEnd(32)} ${rate.toLocaleString('en').padStart(7)} signals/s of one core's CPU time (${signals} signals, ${all.length} notifications, ${decisions} decisions, ${seconds.toFixed(2)} s CPU) — target ≥ ${CORE_TARGET_SIGNALS_PER_SECOND.toLocaleString('en')}${rate >= CORE_TARGET_SIGNALS_PER_SECOND ? '' : '  BELOW TARGET'}`,
    );
  }
}

/**
 * Measures the core as Lambda runs it: bundled and minified by esbuild with the deploy's settings,
 * in a fresh Node process. Run through tsx instead, every function would pay for the name-keeping
 * wrappers tsx adds, which the deployed bundle does not have.
 */
export async function benchCore(print: (line: string) => void = console.log): Promise<void> {
  const outfile = resolve('.local/bench/core-throughput.mjs');
  await build({
    ...functionBuildOptions(fileURLToPath(import.meta.url), outfile),
    sourcemap: false,
    define: { 'process.env.SPILLWAY_CORE_BUNDLED': '"1"' },
  });
  const output = execFileSync(process.execPath, ['--expose-gc', outfile], {
    encoding: 'utf8',
    env: process.env,
  });
  for (const line of output.trim().split('\n')) print(line);
}

if (process.env.SPILLWAY_CORE_BUNDLED === '1') measureCore();
else if (process.argv[1]?.endsWith('bench-core.ts')) {
  benchCore().catch((error: Error) => {
    console.error(`bench failed: ${error.message}`);
    process.exit(1);
  });
}
