/**
 * `make demo`: a scripted scenario against the local runtime (started here when none is running).
 * An Alertmanager alert fires for checkout-api → burst tasks RUNNING in the preferred burst region
 * → the alert resolves → drain executions run in Step Functions → those tasks STOPPED.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { clientConfig } from '../src/adapters/client-config';
import { executionArnOf } from '../src/adapters/drain-starter';
import { StateStore } from '../src/adapters/state-store';
import { taskLabel } from '../src/core/ids';
import type { BurstTask } from '../src/core/workload-state';
import { startLocalRuntime } from '../src/local/runtime';
import { chooseRuntimeFile, RUNTIMES_DIRECTORY, SeveralRuntimes } from '../src/local/runtime-files';
import { drainIdOf } from '../src/usecases/drain-naming';
import type { WorkloadStatus } from '../src/usecases/status';

const WORKLOAD = 'checkout-api';

export interface DemoOptions {
  /** Where the demo's timeline goes. */
  readonly say: (line: string) => void;
  /** Start a runtime of its own even when one is running (the test does). @default false */
  readonly ownRuntime?: boolean;
}

/** The emulator takes any credentials; a shell without AWS ones must not fail on the SDK's lookup. */
function emulatorCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
}

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

async function connect(say: (line: string) => void, ownRuntime: boolean): Promise<Target> {
  emulatorCredentials();
  // The CLI's choice: SPILLWAY_RUNTIME_FILE, else the one live runtime; several, and it asks.
  const infoFile = ownRuntime
    ? undefined
    : chooseRuntimeFile({ given: process.env.SPILLWAY_RUNTIME_FILE, directories: [RUNTIMES_DIRECTORY] });
  if (infoFile && existsSync(infoFile)) {
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

/**
 * Plays the scenario. On failure it says what it was waiting for and what it saw, resolves the
 * alert it fired (so a running runtime drains the burst it caused), and stops a runtime it
 * started; then it throws.
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const { say } = options;
  const target = await connect(say, options.ownRuntime ?? false);
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
  const fingerprint = `demo${Date.now().toString(16)}`;
  const startsAt = new Date().toISOString();
  let firing = false;

  try {
    const fired = await post(alert('firing', fingerprint, startsAt));
    say(`Alertmanager → POST /webhooks/alertmanager (firing, ${WORKLOAD}) → ${fired.status} ${fired.body}`);
    if (fired.status !== 202) throw new Error('the firing alert was not accepted');
    firing = true;

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
    const resolved = await post(alert('resolved', fingerprint, startsAt, new Date().toISOString()));
    say(`Alertmanager → POST /webhooks/alertmanager (resolved) → ${resolved.status} ${resolved.body}`);
    if (resolved.status !== 202) throw new Error('the resolved alert was not accepted');
    firing = false;

    // Each drain's execution is named by the code's own rule (drain-naming.ts), from the task as
    // recorded once its drain was requested.
    const arns = new Set(burst.tasks.map((t) => t.taskArn));
    const stateMachineArn = target.drainStateMachines[burst.region] as string;
    const sfn = new SFNClient(clientConfig(burst.region, target.endpoint));
    const reported = new Set<string>();
    await until('drain executions SUCCEEDED', async () => {
      const drains = Object.values((await store.load(WORKLOAD)).tasks).filter(
        (t: BurstTask) => arns.has(t.taskArn) && (t.drainRequestedAt || t.status === 'stopped'),
      );
      if (drains.length < arns.size) return undefined;
      const outcomes = await Promise.all(
        drains.map(async (task) => {
          const name = drainIdOf(WORKLOAD, task);
          const executionArn = task.drainExecution ?? executionArnOf(stateMachineArn, name);
          try {
            const { status: state } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
            if (!reported.has(name)) {
              reported.add(name);
              say(`drain execution ${name} started in Step Functions (${burst.region})`);
            }
            return { name, state };
          } catch {
            return { name, state: 'NOT_STARTED' };
          }
        }),
      );
      const failed = outcomes.find(
        (o) => o.state === 'FAILED' || o.state === 'TIMED_OUT' || o.state === 'ABORTED',
      );
      if (failed) throw new Error(`drain execution ${failed.name} ended ${failed.state}`);
      return outcomes.every((o) => o.state === 'SUCCEEDED') ? outcomes : undefined;
    });
    say(
      `${arns.size} drain execution(s) SUCCEEDED: mark draining → wait drainSeconds → StopTask → STOPPED → mark stopped`,
    );

    const stopped = await until('burst tasks STOPPED', async () => {
      const tasks = ((await status()).regions[burst.region] ?? []).filter((t) => arns.has(t.taskArn));
      return tasks.every((t) => t.ecsStatus === 'STOPPED' && t.status === 'stopped') ? tasks : undefined;
    });
    for (const task of stopped)
      say(`    ${taskLabel(burst.region, task.taskArn)}: ECS ${task.ecsStatus}, recorded ${task.status}`);
    say('decision log (newest first):');
    for (const d of (await store.recentDecisions(WORKLOAD, 5)).filter((d) => d.at >= startsAt)) {
      say(`    ${d.at}  ${d.action.kind.padEnd(9)} ${d.reason}`);
    }
    say('demo complete: burst on alarm, drain on resolve');
  } catch (error) {
    say(`demo failed: ${(error as Error).message}`);
    await report(say, status).catch(() => say('    (the runtime did not answer /status)'));
    if (firing) {
      const resolved = await post(alert('resolved', fingerprint, startsAt, new Date().toISOString())).catch(
        () => undefined,
      );
      say(
        resolved?.status === 202
          ? 'resolved the demo alert: the runtime drains the burst it caused'
          : 'could not resolve the demo alert: resolve it by hand or drain checkout-api',
      );
    }
    throw error;
  } finally {
    await target.stop?.();
  }
}

/** What the workload looked like when the demo gave up: for the person reading why. */
async function report(say: (line: string) => void, status: () => Promise<WorkloadStatus>): Promise<void> {
  const current = await status();
  say(`what ${WORKLOAD} looked like then: alerts firing ${current.firingAlerts.join(', ') || 'none'}`);
  for (const [region, tasks] of Object.entries(current.regions))
    for (const task of tasks)
      say(`    ${taskLabel(region, task.taskArn)}: ${task.status}, ECS ${task.ecsStatus}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const stamp = () => `+${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
  runDemo({ say: (line) => console.log(`${stamp()}  ${line}`) }).then(
    () => process.exit(0),
    (error: Error) => {
      if (!(error instanceof SeveralRuntimes)) process.exit(1);
      console.error(`demo: ${error.message}`);
      process.exit(2);
    },
  );
}
