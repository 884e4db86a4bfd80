/**
 * The latency part of `make bench`: from a webhook accepted (the sender has its 202) to the decide
 * function issuing RunTask (its ECS client sending the call), through the local runtime and moto.
 *   - at a steady rate (BENCH_LATENCY_RATE signals/s, default 5) for BENCH_LATENCY_SAMPLES signals
 *     (default 300, enough for a p99 that is not the maximum of a handful);
 *   - under a burst of BENCH_LATENCY_BURST signals (default 500) sent at once, with the signals
 *     queue's backlog (ApproximateNumberOfMessages) sampled every 100 ms meanwhile.
 * Every signal is a first (steady) or second (burst) firing alert of its own workload, whose policy
 * scales out by one on any firing alert (no cooldown, max 2): each signal leads to exactly one
 * RunTask, and which one is told by the task's workload tag. Prints figures, asserts nothing.
 * `npx tsx scripts/bench-latency.ts` runs it alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig } from '../src/adapters/client-config';
import { loadConfigFile } from '../src/config/load';
import type { WorkloadConfig } from '../src/config/schema';
import { startLocalRuntime } from '../src/local/runtime';
import { setClientHook } from '../src/runtime/client-hooks';
import { loadAlert } from './load-alert';
import { percentile } from './measure';

const RATE = Number(process.env.BENCH_LATENCY_RATE ?? 5);
const SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 300);
const BURST = Number(process.env.BENCH_LATENCY_BURST ?? 500);
/** How many burst webhooks are in flight at once: a monitor fleet, not one sender. */
const BURST_SENDERS = 32;
const TARGET_P99_MS = 250;

const summary = (latencies: readonly number[]) => {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
};

export async function benchLatency(): Promise<void> {
  const base = loadConfigFile('config/local.yaml');
  const template = base.workloads[0] as WorkloadConfig;
  const count = Math.max(SAMPLES, BURST);
  const workloads = Array.from({ length: count }, (_, i) => ({
    ...template,
    name: `bench-${String(i).padStart(4, '0')}`,
    burstRegions: template.burstRegions.slice(0, 1),
    maxBurstTasks: 2,
    scaleOutStep: 1,
    scaleOutCooldownSeconds: 0,
  }));
  const out = resolve('.local/bench');
  mkdirSync(out, { recursive: true });
  const configPath = resolve(out, 'latency-config.json');
  writeFileSync(
    configPath,
    JSON.stringify({ ...base, workloads, signals: { alertmanager: { workloadLabel: 'workload' } } }),
  );

  // When the decide function sends each RunTask, by the workload its tags name: "RunTask issued",
  // before the emulator has answered.
  const issued = new Map<string, number[]>();
  setClientHook((fn, client) => {
    if (fn !== 'decide') return;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'RunTaskCommand') {
          const tags = (args.input as { tags?: { key?: string; value?: string }[] }).tags ?? [];
          const workload = tags.find((t) => t.key === 'spillway:workload')?.value;
          if (workload) issued.set(workload, [...(issued.get(workload) ?? []), Date.now()]);
        }
        return next(args);
      },
      { step: 'initialize', name: 'benchRunTaskIssued' },
    );
  });
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  const runtime = await startLocalRuntime({
    configPath,
    port: 0,
    webhookToken: 'bench',
    reconcileSeconds: 3600,
    log: () => {},
  });
  const sqs = new SQSClient(clientConfig(base.controlRegion, runtime.endpoint));
  const observedAt = Date.now() - 60_000;
  const send = async (workload: string, alert: number): Promise<number> => {
    const response = await fetch(`${runtime.url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: 'Bearer bench', 'content-type': 'application/json' },
      body: JSON.stringify(loadAlert(workload, alert, 'firing', observedAt + alert * 1000)),
    });
    if (response.status !== 202) throw new Error(`webhook answered ${response.status}`);
    return Date.now();
  };
  /** Each signal's latency once its workload's `nth` RunTask has been issued; missing ones counted. */
  const latenciesOf = async (accepted: Map<string, number>, nth: number, timeoutMs: number) => {
    const by = Date.now() + timeoutMs;
    while (Date.now() < by && [...accepted.keys()].some((w) => (issued.get(w)?.length ?? 0) < nth))
      await new Promise((r) => setTimeout(r, 50));
    const latencies: number[] = [];
    for (const [workload, at] of accepted) {
      const runAt = issued.get(workload)?.[nth - 1];
      if (runAt !== undefined) latencies.push(runAt - at);
    }
    return { latencies, missing: accepted.size - latencies.length };
  };
  const line = (
    label: string,
    result: { latencies: number[]; missing: number },
    note: string,
    target: string,
  ) => {
    const s = summary(result.latencies);
    console.log(
      `latency   ${label}: p50 ${s.p50} ms, p95 ${s.p95} ms, p99 ${s.p99} ms, max ${s.max} ms (${result.latencies.length} signals${result.missing > 0 ? `, ${result.missing} without a RunTask` : ''}${note}) — ${target}`,
    );
  };

  try {
    // Steady: sends on a fixed schedule, not one after the other, so a slow answer does not slow
    // the rate down (the latency a sender at that rate sees, queueing included).
    const steady = new Map<string, number>();
    const steadyStart = Date.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const due = steadyStart + (i * 1000) / RATE;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      const workload = workloads[i]?.name as string;
      sends.push(send(workload, 2 * i).then((at) => void steady.set(workload, at)));
    }
    await Promise.all(sends);
    const steadyRate = SAMPLES / ((Date.now() - steadyStart) / 1000);
    const steadyResult = await latenciesOf(steady, 1, 30_000);
    line(
      `webhook accepted → RunTask issued, steady ${steadyRate.toFixed(1)} signals/s`,
      steadyResult,
      ', moto on loopback',
      `target p99 ≤ ${TARGET_P99_MS} ms${summary(steadyResult.latencies).p99 <= TARGET_P99_MS && steadyResult.missing === 0 ? '' : '  ABOVE TARGET'}`,
    );
    await runtime.queueIdle();

    // Burst: every signal at once, as many in flight as there are senders; the queue sampled meanwhile.
    const burst = new Map<string, number>();
    let sampling = true;
    let peakWaiting = 0;
    let peakInFlight = 0;
    let backlogSamples = 0;
    const sampler = (async () => {
      while (sampling) {
        try {
          const { Attributes: a } = await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: runtime.provisioned.signalsQueueUrl,
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
            }),
          );
          peakWaiting = Math.max(peakWaiting, Number(a?.ApproximateNumberOfMessages ?? 0));
          peakInFlight = Math.max(peakInFlight, Number(a?.ApproximateNumberOfMessagesNotVisible ?? 0));
          backlogSamples++;
        } catch {
          // A missed sample leaves a gap, nothing more.
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const burstStart = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: BURST_SENDERS }, async () => {
        while (next < BURST) {
          const i = next++;
          const workload = workloads[i]?.name as string;
          burst.set(workload, await send(workload, 2 * i + 1));
        }
      }),
    );
    const sentIn = (Date.now() - burstStart) / 1000;
    // Workloads the steady part started once get their second RunTask; the others their first.
    const burstResult = await Promise.all([
      latenciesOf(new Map([...burst].filter(([w]) => !steady.has(w))), 1, 60_000),
      latenciesOf(new Map([...burst].filter(([w]) => steady.has(w))), 2, 60_000),
    ]);
    const drained = (Date.now() - burstStart) / 1000;
    sampling = false;
    await sampler;
    line(
      `webhook accepted → RunTask issued, burst of ${BURST}`,
      {
        latencies: burstResult.flatMap((r) => r.latencies),
        missing: burstResult.reduce((n, r) => n + r.missing, 0),
      },
      `, sent in ${sentIn.toFixed(1)} s by ${BURST_SENDERS} senders, all issued after ${drained.toFixed(1)} s`,
      'reported, no target',
    );
    console.log(
      `          queue backlog during the burst: peak ${peakWaiting} messages waiting (ApproximateNumberOfMessages), ${peakInFlight} in flight; ${backlogSamples} samples, every 100 ms`,
    );
  } finally {
    setClientHook(undefined);
    await runtime.stop();
  }
}

// `npx tsx scripts/bench-latency.ts`: this part of `make bench` alone.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchLatency().catch((error: Error) => {
    console.error(`bench failed: ${error.message}`);
    process.exit(1);
  });
}
