/**
 * The pure core's throughput, normalise + decide, in CPU time of this process (one core), on three
 * stated input mixes, each printed with the target. A figure, not a test: machines are noisy.
 *   fresh     every signal a new alert episode (firing or resolving), state with running tasks
 *   repeats   half the signals are redeliveries of recent ones (at-least-once upstream)
 *   draining  a workload at its max with drains under way and alerts coming and going
 */

import { loadConfigFile } from '../src/config/load';
import type { WorkloadConfig } from '../src/config/schema';
import { normaliseAlertmanager } from '../src/core/normalise/alertmanager';
import { decide } from '../src/core/policy';
import { type BurstTask, emptyWorkloadState, type WorkloadState } from '../src/core/workload-state';
import { loadAlert } from './load-alert';

export const CORE_TARGET_SIGNALS_PER_SECOND = 50_000;
const T0 = Date.UTC(2026, 10, 25, 12);

const payload = (workload: string, alert: number, status: 'firing' | 'resolved', startsAt: number) =>
  JSON.stringify(loadAlert(workload, alert, status, startsAt));

const task = (i: number, status: BurstTask['status'] = 'running'): BurstTask => {
  const taskId = i.toString(16).padStart(32, '0');
  return {
    taskArn: `arn:aws:ecs:us-west-2:123456789012:task/spillway-local-burst/${taskId}`,
    taskId,
    region: 'us-west-2',
    cluster: 'spillway-local-burst',
    decisionId: 'd-000000000000000000000000',
    startedAt: new Date(T0 - 3_600_000).toISOString(),
    status,
    ecsStatus: 'RUNNING',
  };
};

/** The bodies of one mix, in delivery order, and the state the workload starts from. */
function mix(
  name: string,
  workload: WorkloadConfig,
  count: number,
): { bodies: string[]; state: WorkloadState } {
  const bodies: string[] = [];
  const running = Object.fromEntries([1, 2, 3, 4].map((i) => [task(i).taskId, task(i)]));
  let state: WorkloadState = { ...emptyWorkloadState(workload.name), tasks: running, desiredTasks: 4 };
  for (let i = 0; i < count; i++) {
    const alert = name === 'repeats' && i % 2 === 1 ? Math.max(0, i - 1 - (i % 7)) : i;
    const status = alert % 2 === 0 ? 'firing' : 'resolved';
    bodies.push(payload(workload.name, alert, status, T0 + alert * 1000));
  }
  if (name === 'draining') {
    const tasks = Object.fromEntries(
      Array.from({ length: workload.maxBurstTasks }, (_, i) =>
        task(10 + i, i % 3 === 0 ? 'draining' : 'running'),
      ).map((t) => [
        t.taskId,
        { ...t, ...(t.status === 'draining' ? { drainRequestedAt: new Date(T0).toISOString() } : {}) },
      ]),
    );
    state = { ...state, tasks, desiredTasks: workload.maxBurstTasks };
  }
  return { bodies, state };
}

function run(workload: WorkloadConfig, bodies: readonly string[], start: WorkloadState): number {
  const mapping = { workloadLabel: 'workload', knownWorkloads: new Set([workload.name]) };
  let state = start;
  const before = process.cpuUsage();
  for (let i = 0; i < bodies.length; i++) {
    const now = new Date(T0 + i * 1000);
    const normalised = normaliseAlertmanager(JSON.parse(bodies[i] as string), mapping, now);
    if (!normalised.ok) throw new Error(normalised.message);
    const result = decide({ workload, state, signals: normalised.signals, now });
    // What carry-out would leave: launches become running tasks, so the state keeps its shape.
    state = result.changed ? { ...result.next, version: state.version + 1, pendingLaunches: [] } : state;
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

export function benchCore(print: (line: string) => void = console.log): void {
  const config = loadConfigFile('config/local.yaml');
  const workload = config.workloads[0] as WorkloadConfig;
  const count = 20_000;
  for (const name of ['fresh', 'repeats', 'draining'] as const) {
    const { bodies, state } = mix(name, workload, count);
    run(workload, bodies.slice(0, 2000), state); // warm-up: JIT and caches
    const seconds = run(workload, bodies, state);
    const rate = Math.round(count / seconds);
    print(
      `core ${name.padEnd(9)} normalise+decide: ${rate.toLocaleString('en')} signals/s of one core's CPU time (${count} signals, ${seconds.toFixed(2)} s CPU) — target ≥ ${CORE_TARGET_SIGNALS_PER_SECOND.toLocaleString('en')}${rate >= CORE_TARGET_SIGNALS_PER_SECOND ? '' : '  BELOW TARGET'}`,
    );
  }
}

if (process.argv[1]?.endsWith('bench-core.ts')) benchCore();
