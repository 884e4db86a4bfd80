/**
 * `make demo`: a scripted scenario against the local runtime (started here when none is running).
 * An Alertmanager alert fires for checkout-api → burst tasks RUNNING in the preferred burst region
 * → the alert resolves → drain executions run in Step Functions → those tasks STOPPED.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { clientConfig } from '../src/adapters/client-config';
import { StateStore } from '../src/adapters/state-store';
import { startLocalRuntime } from '../src/local/runtime';
import type { WorkloadStatus } from '../src/usecases/status';

const WORKLOAD = 'checkout-api';
const started = Date.now();
const stamp = () => `+${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
const say = (line: string) => console.log(`${stamp()}  ${line}`);

interface Target {
  url: string;
  endpoint: string;
  token: string;
  stateTable: string;
  drainStateMachines: Record<string, string>;
  controlRegion: string;
  stop?: () => Promise<void>;
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

async function connect(): Promise<Target> {
  const infoFile = resolve('.local/runtime.json');
  if (existsSync(infoFile)) {
    const info = JSON.parse(readFileSync(infoFile, 'utf8'));
    if (await healthy(info.url)) {
      say(`using the running local runtime at ${info.url}`);
      return {
        url: info.url,
        endpoint: info.endpoint,
        token: info.webhookToken,
        stateTable: info.stateTable,
        drainStateMachines: info.drainStateMachines,
        controlRegion: info.effectiveConfig.controlRegion,
      };
    }
  }
  say('no local runtime is running: starting one (emulator, resources, functions)');
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const runtime = await startLocalRuntime({
    configPath: process.env.SPILLWAY_CONFIG ?? 'config/local.yaml',
    port: 0,
    reconcileSeconds: 1,
    log: () => {},
  });
  say(`local runtime up at ${runtime.url} (emulator ${runtime.endpoint})`);
  return {
    url: runtime.url,
    endpoint: runtime.endpoint,
    token: runtime.webhookToken,
    stateTable: runtime.provisioned.stateTable,
    drainStateMachines: { ...runtime.provisioned.drainStateMachines },
    controlRegion: runtime.provisioned.effectiveConfig.controlRegion,
    stop: () => runtime.stop(),
  };
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}

function alert(status: 'firing' | 'resolved', fingerprint: string, startsAt: string, endsAt?: string) {
  const labels = { alertname: 'HighRequestRate', workload: WORKLOAD, severity: 'critical' };
  return {
    version: '4',
    groupKey: '{}:{alertname="HighRequestRate"}',
    truncatedAlerts: 0,
    status,
    receiver: 'spillway',
    groupLabels: { alertname: 'HighRequestRate' },
    commonLabels: labels,
    commonAnnotations: { summary: 'checkout request rate above on-prem capacity' },
    externalURL: 'http://alertmanager.onprem-dc1:9093',
    alerts: [
      {
        status,
        labels,
        annotations: { summary: 'checkout request rate above on-prem capacity' },
        startsAt,
        endsAt: endsAt ?? '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.onprem-dc1:9090/graph',
        fingerprint,
      },
    ],
  };
}

async function main(): Promise<void> {
  const target = await connect();
  const post = async (body: unknown) => {
    const response = await fetch(`${target.url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.text() };
  };
  const status = async (): Promise<WorkloadStatus> => {
    const body = (await (await fetch(`${target.url}/status`)).json()) as { workloads: WorkloadStatus[] };
    return body.workloads.find((w) => w.workload === WORKLOAD) as WorkloadStatus;
  };
  const store = new StateStore(
    target.stateTable,
    new DynamoDBClient(clientConfig(target.controlRegion, target.endpoint)),
  );
  const before = new Set(
    Object.values((await status()).regions)
      .flat()
      .map((t) => t.taskArn),
  );

  try {
    const fingerprint = `demo${Date.now().toString(16)}`;
    const startsAt = new Date().toISOString();
    const fired = await post(alert('firing', fingerprint, startsAt));
    say(`Alertmanager → POST /webhooks/alertmanager (firing, ${WORKLOAD}) → ${fired.status} ${fired.body}`);
    if (fired.status !== 202) throw new Error('the firing alert was not accepted');

    const burst = await until('burst tasks RUNNING', async () => {
      const current = await status();
      for (const [region, tasks] of Object.entries(current.regions)) {
        const fresh = tasks.filter((t) => !before.has(t.taskArn) && t.ecsStatus === 'RUNNING');
        if (fresh.length > 0) return { region, tasks: fresh };
      }
      return undefined;
    });
    say(`${burst.tasks.length} burst task(s) RUNNING in ${burst.region} (the preferred burst region):`);
    for (const task of burst.tasks) say(`    ${task.taskArn}`);
    const decision = (await store.recentDecisions(WORKLOAD, 10)).find((d) => d.action.kind === 'scale_out');
    if (decision) say(`decision ${decision.id}: ${decision.reason}`);

    await new Promise((r) => setTimeout(r, 3500)); // checkout-api's scale-in cooldown in config/local.yaml
    const resolvedAt = new Date().toISOString();
    const resolved = await post(alert('resolved', fingerprint, startsAt, resolvedAt));
    say(`Alertmanager → POST /webhooks/alertmanager (resolved) → ${resolved.status} ${resolved.body}`);

    const sfn = new SFNClient(clientConfig(burst.region, target.endpoint));
    const stateMachineArn = target.drainStateMachines[burst.region] as string;
    const names = new Set(burst.tasks.map((t) => `${WORKLOAD}-${t.taskArn.split('/').at(-1)}`));
    const seenRunning = new Set<string>();
    const executions = await until('drain executions SUCCEEDED', async () => {
      const listed = (
        (await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? []
      ).filter((e) => names.has(e.name ?? ''));
      for (const execution of listed) {
        if (!seenRunning.has(execution.name as string)) {
          seenRunning.add(execution.name as string);
          say(`drain execution ${execution.name} started in Step Functions (${burst.region})`);
        }
      }
      const failed = listed.find(
        (e) => e.status === 'FAILED' || e.status === 'TIMED_OUT' || e.status === 'ABORTED',
      );
      if (failed) throw new Error(`drain execution ${failed.name} ended ${failed.status}`);
      return listed.length === names.size && listed.every((e) => e.status === 'SUCCEEDED')
        ? listed
        : undefined;
    });
    say(
      `${executions.length} drain execution(s) SUCCEEDED: mark draining → wait drainSeconds → StopTask → STOPPED → mark stopped`,
    );

    const stopped = await until('burst tasks STOPPED', async () => {
      const current = await status();
      const tasks = (current.regions[burst.region] ?? []).filter((t) =>
        names.has(`${WORKLOAD}-${t.taskArn.split('/').at(-1)}`),
      );
      return tasks.every((t) => t.ecsStatus === 'STOPPED' && t.status === 'stopped') ? tasks : undefined;
    });
    for (const task of stopped)
      say(`    ${task.taskArn.split('/').at(-1)}: ECS ${task.ecsStatus}, recorded ${task.status}`);
    say('decision log (newest first):');
    for (const d of (await store.recentDecisions(WORKLOAD, 5)).filter((d) => d.at >= startsAt)) {
      say(`    ${d.at}  ${d.action.kind.padEnd(9)} ${d.reason}`);
    }
    say('demo complete: burst on alarm, drain on resolve');
  } finally {
    await target.stop?.();
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`demo failed: ${error.message}`);
    process.exit(1);
  },
);
