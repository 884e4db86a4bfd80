/**
 * `make load`: pushes 10,000 signals for 200 workloads through the local runtime (webhook →
 * queue → decide), with 10% duplicate deliveries and 5% delivered out of order, then checks the
 * end state is exactly what the policy implies:
 *   - a workload whose newest signal per alert leaves any alert firing runs exactly maxBurstTasks
 *     burst tasks (scaleOutStep = max, so one firing is enough);
 *   - every other workload runs none (scaleInStep = max, no cooldowns);
 *   - no workload ever had more than maxBurstTasks tasks running or recorded at once.
 * Prints throughput, the check, how long it took and moto's peak memory; exits 1 when the end
 * state is wrong. Not a timed test. LOAD_WORKLOADS, LOAD_SIGNALS and LOAD_SEED scale and vary it;
 * LOAD_RECONCILE_SECONDS sets the reconcile timer (default 60, as on AWS).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig } from '../src/adapters/client-config';
import { StateStore } from '../src/adapters/state-store';
import { countLive } from '../src/core/workload-state';
import { startLocalRuntime } from '../src/local/runtime';
import { STUCK_DRAIN_GRACE_SECONDS } from '../src/usecases/stuck-drains';

const WORKLOADS = Number(process.env.LOAD_WORKLOADS ?? 200);
const SIGNALS = Number(process.env.LOAD_SIGNALS ?? 10_000);
const ALERTS_PER_WORKLOAD = 5;
const ALERTS_PER_WEBHOOK = 5;
const CONCURRENCY = 8;
const MAX = 2;
const RECONCILE_SECONDS = Number(process.env.LOAD_RECONCILE_SECONDS ?? 60);
/**
 * How long the end state may take to settle once the queue is empty. A drain whose execution ended
 * without recording its outcome is only looked at by the reconciler after STUCK_DRAIN_GRACE_SECONDS,
 * so the end state may legitimately need that long, and a little more.
 */
const SETTLE_MS = (STUCK_DRAIN_GRACE_SECONDS + 300) * 1000;

/** Peak resident memory of a process, from Linux's /proc; undefined elsewhere. */
function peakRssMiB(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** A small deterministic generator, so a failing run can be repeated exactly. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Alert {
  workload: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
  startsAt: string;
  endsAt: string;
  observedAt: string;
}

async function main(): Promise<void> {
  const rand = random(Number(process.env.LOAD_SEED ?? 42));
  const workloads = Array.from({ length: WORKLOADS }, (_, i) => `load-${String(i).padStart(3, '0')}`);
  const config = {
    environment: 'local',
    controlRegion: 'us-east-1',
    sites: [{ id: 'onprem-dc1', kind: 'onprem' }],
    workloads: workloads.map((name) => ({
      name,
      homeSite: 'onprem-dc1',
      burstRegions: [
        {
          region: 'us-west-2',
          cluster: 'spillway-load',
          taskDefinition: {
            family: 'load',
            image: 'public.ecr.aws/nginx/nginx:stable',
            cpu: 256,
            memoryMiB: 512,
            containerPort: 8080,
          },
          network: { subnets: ['local-subnet-a'], securityGroups: ['local-sg'] },
        },
      ],
      maxBurstTasks: MAX,
      scaleOutStep: MAX,
      scaleInStep: MAX,
      scaleOutCooldownSeconds: 0,
      scaleInCooldownSeconds: 0,
      drainSeconds: 0,
    })),
  };
  const configPath = resolve('.local/load-config.json');
  writeFileSync(configPath, JSON.stringify(config));

  // Each alert flips between firing and resolved; every episode is one firing and one resolved signal.
  const base = Date.UTC(2026, 10, 25, 8, 0, 0);
  const alerts: Alert[] = [];
  const perAlert = Math.ceil(SIGNALS / (WORKLOADS * ALERTS_PER_WORKLOAD));
  for (const [index, workload] of workloads.entries()) {
    for (let a = 0; a < ALERTS_PER_WORKLOAD; a++) {
      // Every other workload's first alert ends on a firing signal, so both end states are checked.
      const count = index % 2 === 1 && a === 0 ? perAlert - 1 : perAlert;
      for (let k = 0; k < count && alerts.length < SIGNALS; k++) {
        const episode = Math.floor(k / 2);
        const startsAt = new Date(base + (episode * 600 + a) * 1000).toISOString();
        const endsAt = new Date(base + (episode * 600 + 300 + a) * 1000).toISOString();
        const status = k % 2 === 0 ? 'firing' : 'resolved';
        alerts.push({
          workload,
          fingerprint: `${workload}-a${a}`,
          status,
          startsAt,
          endsAt,
          observedAt: status === 'firing' ? startsAt : endsAt,
        });
      }
    }
  }
  // Delivery order: by observed time (what monitors do), then 5% swapped with a neighbour and
  // 10% delivered twice.
  alerts.sort(
    (x, y) => x.observedAt.localeCompare(y.observedAt) || x.fingerprint.localeCompare(y.fingerprint),
  );
  let reordered = 0;
  for (let i = 0; i + 1 < alerts.length; i++) {
    if (rand() < 0.05) {
      [alerts[i], alerts[i + 1]] = [alerts[i + 1] as Alert, alerts[i] as Alert];
      reordered++;
      i++;
    }
  }
  const deliveries: Alert[] = [];
  let duplicates = 0;
  for (const alert of alerts) {
    deliveries.push(alert);
    if (rand() < 0.1) {
      deliveries.push(alert);
      duplicates++;
    }
  }

  // What the policy implies: per alert, the newest signal wins; a workload with any alert firing bursts.
  const newest = new Map<string, Alert>();
  for (const alert of alerts) {
    const seen = newest.get(alert.fingerprint);
    if (!seen || alert.observedAt > seen.observedAt) newest.set(alert.fingerprint, alert);
  }
  const expectedFiring = new Set(
    [...newest.values()].filter((a) => a.status === 'firing').map((a) => a.workload),
  );

  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  const t0 = Date.now();
  const progress = (line: string) => console.log(`+${((Date.now() - t0) / 1000).toFixed(1)}s ${line}`);
  const runtime = await startLocalRuntime({
    configPath,
    port: 0,
    webhookToken: 'load',
    // As on AWS (every minute) rather than every 2 s as in `make run`: over 200 workloads a run
    // takes seconds of emulator time, and it is what finishes drains, not what is measured.
    reconcileSeconds: RECONCILE_SECONDS,
    log: process.env.LOAD_VERBOSE ? (line) => progress(line) : () => {},
  });
  progress(`local runtime up; sending ${deliveries.length} signal deliveries`);
  try {
    const webhooks: Alert[][] = [];
    for (let i = 0; i < deliveries.length; i += ALERTS_PER_WEBHOOK)
      webhooks.push(deliveries.slice(i, i + ALERTS_PER_WEBHOOK));
    const started = Date.now();
    let next = 0;
    let rejected = 0;
    const post = async (group: Alert[]) => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const response = await fetch(`${runtime.url}/webhooks/alertmanager`, {
          method: 'POST',
          headers: { authorization: 'Bearer load', 'content-type': 'application/json' },
          body: JSON.stringify({
            version: '4',
            groupKey: 'load',
            truncatedAlerts: 0,
            status: group.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
            receiver: 'spillway',
            groupLabels: {},
            commonLabels: {},
            commonAnnotations: {},
            alerts: group.map((a) => ({
              status: a.status,
              labels: { alertname: 'Load', workload: a.workload },
              annotations: {},
              startsAt: a.startsAt,
              endsAt: a.status === 'resolved' ? a.endsAt : '0001-01-01T00:00:00Z',
              fingerprint: a.fingerprint,
            })),
          }),
        });
        if (response.status === 202) return;
        if (response.status < 500)
          throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
      }
      rejected++;
    };
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < webhooks.length) {
          const index = next++;
          await post(webhooks[index] as Alert[]);
          if (index > 0 && index % 200 === 0) progress(`${index}/${webhooks.length} webhooks accepted`);
        }
      }),
    );
    const accepted = Date.now();
    progress('all webhooks accepted; waiting for the queue to drain');
    const sqs = new SQSClient(clientConfig('us-east-1', runtime.endpoint));
    const depth = setInterval(() => {
      sqs
        .send(
          new GetQueueAttributesCommand({
            QueueUrl: runtime.provisioned.signalsQueueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        )
        .then(({ Attributes: a }) =>
          progress(
            `queue: ${a?.ApproximateNumberOfMessages} waiting, ${a?.ApproximateNumberOfMessagesNotVisible} in flight`,
          ),
        )
        .catch(() => {});
    }, 30_000);
    await runtime.queueIdle();
    clearInterval(depth);
    const decided = Date.now();
    progress('queue drained; waiting for every launch and drain to settle');
    const store = new StateStore(
      runtime.provisioned.stateTable,
      new DynamoDBClient(clientConfig('us-east-1', runtime.endpoint)),
    );
    // Settled: no drain execution still running, then, after a reconcile has folded in what ECS
    // and the drain workflows report, no launch pending and every task running or stopped.
    // Polled, not slept: at full scale drains take minutes, at small scale seconds.
    const sfn = new SFNClient(clientConfig('us-west-2', runtime.endpoint));
    const stateMachineArn = runtime.provisioned.drainStateMachines['us-west-2'] as string;
    const runningDrains = async () => {
      let count = 0;
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(
          new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', nextToken }),
        );
        count += page.executions?.length ?? 0;
        nextToken = page.nextToken;
      } while (nextToken);
      return count;
    };
    const unsettled = async () => {
      const busy: string[] = [];
      for (const workload of workloads) {
        const state = await store.load(workload);
        // Anything between running and stopped (a drain requested, under way, being called off)
        // is still moving.
        const moving = Object.values(state.tasks).filter(
          (t) => t.status !== 'running' && t.status !== 'stopped',
        );
        if (state.pendingLaunches.length > 0 || moving.length > 0)
          busy.push(
            `${workload} (${[
              ...state.pendingLaunches.map((p) => `launch of ${p.count} pending`),
              ...moving.map((t) => `${t.taskId} ${t.status}`),
            ].join(', ')})`,
          );
      }
      return busy;
    };
    const settleBy = Date.now() + SETTLE_MS;
    // Settled twice in a row: a reconcile that finds a drained task stopped may decide its
    // replacement, whose launch the next pass must see through.
    let calm = 0;
    for (;;) {
      const drains = await runningDrains();
      await runtime.reconcileNow();
      await runtime.queueIdle();
      const busy = await unsettled();
      calm = drains === 0 && busy.length === 0 ? calm + 1 : 0;
      if (calm >= 2) break;
      if (Date.now() > settleBy) {
        progress(`still unsettled after ${SETTLE_MS / 60_000} min: ${busy.slice(0, 10).join('; ')}`);
        break;
      }
      progress(
        `${drains} drain execution(s) running, ${busy.length} workload(s) with launches or drains under way`,
      );
      await new Promise((r) => setTimeout(r, 5000));
    }
    const settled = Date.now();

    const ecs = new ECSClient(clientConfig('us-west-2', runtime.endpoint));
    const running = new Map<string, number>();
    let token: string | undefined;
    do {
      const page = await ecs.send(
        new ListTasksCommand({ cluster: 'spillway-load', desiredStatus: 'RUNNING', nextToken: token }),
      );
      token = page.nextToken;
      const arns = page.taskArns ?? [];
      for (let i = 0; i < arns.length; i += 100) {
        const described = await ecs.send(
          new DescribeTasksCommand({
            cluster: 'spillway-load',
            tasks: arns.slice(i, i + 100),
            include: ['TAGS'],
          }),
        );
        for (const task of described.tasks ?? []) {
          if (task.lastStatus !== 'RUNNING') continue;
          const workload = task.tags?.find((t) => t.key === 'spillway:workload')?.value ?? '?';
          running.set(workload, (running.get(workload) ?? 0) + 1);
        }
      }
    } while (token);

    const wrong: string[] = [];
    for (const workload of workloads) {
      const want = expectedFiring.has(workload) ? MAX : 0;
      const state = await store.load(workload);
      const live = countLive(state).total;
      const inEcs = running.get(workload) ?? 0;
      if (inEcs !== want || (want > 0 && live !== want) || live > MAX) {
        wrong.push(`${workload}: expected ${want}, ECS runs ${inEcs}, state has ${live} live`);
      }
    }
    const signals = deliveries.length;
    console.log(
      `load: ${signals} signal deliveries (${alerts.length} distinct, ${duplicates} duplicates, ${reordered} reordered pairs) for ${WORKLOADS} workloads`,
    );
    console.log(
      `      ingest: ${(signals / ((accepted - started) / 1000)).toFixed(0)} signals/s accepted (${CONCURRENCY} concurrent senders, ${ALERTS_PER_WEBHOOK} alerts per webhook), ${rejected} webhooks given up`,
    );
    console.log(
      `      decide: ${(signals / ((decided - started) / 1000)).toFixed(0)} signals/s end to end, queue drained after ${((decided - started) / 1000).toFixed(1)} s`,
    );
    console.log(
      `      end state: ${expectedFiring.size} workloads firing (expect ${MAX} tasks each), ${WORKLOADS - expectedFiring.size} resolved (expect 0)`,
    );
    console.log(
      `      settled ${((settled - decided) / 1000).toFixed(1)} s after the queue drained; whole run ${((Date.now() - t0) / 1000).toFixed(0)} s (reconciler every ${RECONCILE_SECONDS} s)`,
    );
    const peak = peakRssMiB(runtime.emulator.process?.pid);
    console.log(`      moto peak RSS: ${peak === undefined ? 'unknown' : `${peak} MiB`}`);
    if (wrong.length > 0) {
      console.log(
        `      MISMATCH in ${wrong.length} workload(s):\n        ${wrong.slice(0, 20).join('\n        ')}`,
      );
      // What the decision log says about the first few, newest first (a reason repeated in a row
      // is shown once, with its count): the why of a mismatch.
      for (const line of wrong.slice(0, 3)) {
        const workload = line.split(':')[0] as string;
        const runs: { at: string; text: string; count: number }[] = [];
        for (const decision of await store.recentDecisions(workload, 60)) {
          const text = `${decision.action.kind}: ${decision.reason}`;
          const last = runs.at(-1);
          if (last?.text === text) last.count++;
          else runs.push({ at: decision.at, text, count: 1 });
        }
        for (const run of runs.slice(0, 15))
          console.log(`        ${workload} ${run.at} ${run.text}${run.count > 1 ? ` (×${run.count})` : ''}`);
      }
      process.exitCode = 1;
    } else {
      console.log('      end state matches the policy for every workload');
    }
  } finally {
    await runtime.stop();
  }
}

main().catch((error: Error) => {
  console.error(`load failed: ${error.message}`);
  process.exit(1);
});
