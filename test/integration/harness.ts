import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeTasksCommand, ECSClient, ListTasksCommand, type Task } from '@aws-sdk/client-ecs';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { clientConfig } from '../../src/adapters/client-config';
import { StateStore } from '../../src/adapters/state-store';
import { type LocalRuntime, startLocalRuntime } from '../../src/local/runtime';

export const TEST_CONFIG = resolve(import.meta.dirname, 'config.yaml');
export const TOKEN = 'integration-test-token';

/**
 * A local runtime for one test file, with clients pointed at its emulator. A test file that needs
 * workloads of its own passes its own config (kept next to it) rather than growing the shared one.
 * Given an `endpoint`, it uses that emulator instead of starting one.
 */
export async function startHarness(options: { configPath?: string; endpoint?: string } = {}) {
  // Expected rejections (the poison message) would otherwise fill the test output.
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  const lines: string[] = [];
  const runtime: LocalRuntime = await startLocalRuntime({
    configPath: options.configPath ?? TEST_CONFIG,
    port: 0,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    webhookToken: TOKEN,
    reconcileSeconds: 1,
    log: (line) => lines.push(line),
    callLog: inject('awsCallLog'),
  });
  const endpoint = runtime.endpoint;
  const control = runtime.provisioned.effectiveConfig.controlRegion;
  return {
    runtime,
    lines,
    sqs: new SQSClient(clientConfig(control, endpoint)),
    ecs: (region: string) => new ECSClient(clientConfig(region, endpoint)),
    sfn: (region: string) => new SFNClient(clientConfig(region, endpoint)),
    store: new StateStore(
      runtime.provisioned.stateTable,
      new DynamoDBClient(clientConfig(control, endpoint)),
    ),
    /** POSTs a webhook body as a monitor would. */
    post: (source: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${runtime.url}/webhooks/${source}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** Every task of a cluster with its tags, whatever its status. */
export async function tasksIn(harness: Harness, region: string, cluster: string): Promise<Task[]> {
  const ecs = harness.ecs(region);
  const arns = [
    ...((await ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'RUNNING' }))).taskArns ?? []),
    ...((await ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'STOPPED' }))).taskArns ?? []),
  ];
  if (arns.length === 0) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns, include: ['TAGS'] }))).tasks ?? [];
}

export const tagValue = (task: Task, key: string) => task.tags?.find((t) => t.key === key)?.value;

/** An Alertmanager v4 webhook body with one alert. */
export function alertmanagerBody(options: {
  workload: string;
  status: 'firing' | 'resolved';
  fingerprint: string;
  startsAt: string;
  endsAt?: string;
}) {
  const labels = { alertname: 'HighRequestRate', workload: options.workload, severity: 'critical' };
  return {
    version: '4',
    groupKey: `{}:{alertname="HighRequestRate",workload="${options.workload}"}`,
    truncatedAlerts: 0,
    status: options.status,
    receiver: 'spillway',
    groupLabels: { alertname: 'HighRequestRate' },
    commonLabels: labels,
    commonAnnotations: { summary: 'request rate above capacity' },
    externalURL: 'http://alertmanager.example:9093',
    alerts: [
      {
        status: options.status,
        labels,
        annotations: { summary: 'request rate above capacity' },
        startsAt: options.startsAt,
        endsAt: options.endsAt ?? '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example:9090/graph',
        fingerprint: options.fingerprint,
      },
    ],
  };
}
