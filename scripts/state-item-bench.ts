import { gunzipSync, gzipSync } from 'node:zlib';
import {
  BatchGetItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { clientConfig } from '../src/adapters/client-config';
import { decodeState, encodeState } from '../src/adapters/state-codec';
import { MAX_BURST_TASKS } from '../src/config/schema';
import type { AlertRecord, BurstTask, WorkloadState } from '../src/core/workload-state';
import { startMoto } from '../src/local/emulator';
import { stateTableInput } from '../src/local/state-table';
import { itemSizeBytes } from '../test/sim/models/item-size';
import { cpuSeconds } from './measure';

const CALLS = Number(process.env.SPILLWAY_BENCH_CALLS ?? 50);
const TABLE = 'state-item-bench';
const REGION = 'us-east-1';
const ISO = '2026-03-01T12:00:00.000Z';

const hex = (i: number, width: number) => i.toString(16).padStart(width, '0');

function task(i: number, status: BurstTask['status'], region: string, long: boolean): BurstTask {
  const cluster = long ? 'c'.repeat(64) : 'spillway-burst';
  const taskId = hex(i, 32);
  return {
    taskArn: `arn:aws:ecs:${region}:123456789012:task/${cluster}/${taskId}`,
    taskId,
    region,
    cluster,
    decisionId: `d-${hex(i, 24)}`,
    startedAt: ISO,
    status,
    ecsStatus: status === 'stopped' ? 'STOPPED' : 'RUNNING',
    privateIp: `10.0.${i % 250}.${(i * 7) % 250}`,
    registeredTarget: true,
    capacity: i % 3 === 0 ? 'spot' : 'on_demand',
    ...(status === 'stopped'
      ? {
          drainRequestedAt: ISO,
          drainExecution: `arn:aws:states:${region}:123456789012:execution:spillway-drain:checkout-api-${taskId}`,
          stoppedAt: ISO,
          stopReason: long ? 's'.repeat(160) : 'Task stopped by Spillway drain',
        }
      : {}),
    ...(long
      ? {
          drainRequestedAt: ISO,
          drainExecution: `arn:aws:states:${region}:123456789012:execution:spillway-drain-staging:${'x'.repeat(80)}`,
          interruptedAt: ISO,
          cancelRefusedAt: ISO,
          replaced: true,
          drainFailures: 99,
          drainFailedAt: ISO,
          compensating: true,
        }
      : {}),
  };
}

function alert(i: number, summarised: boolean): AlertRecord {
  return {
    source: 'alertmanager',
    state: i % 4 === 0 ? 'resolved' : 'firing',
    severity: i % 2 === 0 ? 'critical' : 'warning',
    value: 1234.5 + i,
    observedAt: ISO,
    lastSeenAt: ISO,
    ...(summarised ? { summary: `request rate above capacity on node ${i}`, name: 'HighRequestRate' } : {}),
  };
}

/** 200 alerts (20 with summaries), 200 dedup keys, 50 running and 20 stopped tasks. */
function largeState(): WorkloadState {
  const tasks = [
    ...Array.from({ length: 50 }, (_, i) => task(i, 'running', i % 2 ? 'eu-west-1' : 'us-west-2', false)),
    ...Array.from({ length: 20 }, (_, i) => task(50 + i, 'stopped', 'us-west-2', false)),
  ];
  return {
    workload: 'checkout-api',
    version: 4711,
    alerts: Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`alertmanager:${hex(i * 7919, 16)}`, alert(i, i < 20)]),
    ),
    applied: Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`alertmanager:${hex(i * 104_729, 24)}`, ISO]),
    ),
    forgotten: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [String(i * 4), ISO])),
    pendingLaunches: [],
    tasks: Object.fromEntries(tasks.map((t) => [t.taskId, t])),
    desiredTasks: 50,
    lastScaleOutAt: ISO,
    updatedAt: ISO,
  };
}

/** The largest state the caps allow, with the longest identifiers (as test/unit/core/state-size.test.ts). */
function largestState(): WorkloadState {
  const tasks = [
    ...Array.from({ length: MAX_BURST_TASKS }, (_, i) => task(i, 'draining', 'ap-southeast-4', true)),
    ...Array.from({ length: 20 }, (_, i) => task(MAX_BURST_TASKS + i, 'stopped', 'ap-southeast-4', true)),
  ];
  const who = {
    since: ISO,
    reason: 'r'.repeat(500),
    commandId: 'i'.repeat(128),
    requestedBy: 'b'.repeat(128),
  };
  return {
    workload: 'w'.repeat(40),
    version: 4711,
    alerts: Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [
        `alertmanager:${String(i).padStart(160, 'k')}`,
        { ...alert(i, false), ...(i < 20 ? { summary: '€'.repeat(63), name: '€'.repeat(63) } : {}) },
      ]),
    ),
    applied: Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`command:${String(i).padStart(128, 'i')}`, ISO]),
    ),
    forgotten: Object.fromEntries(Array.from({ length: 256 }, (_, i) => [String(i), ISO])),
    pendingLaunches: [],
    tasks: Object.fromEntries(tasks.map((t) => [t.taskId, t])),
    replacements: [ISO, ISO, ISO],
    desiredTasks: MAX_BURST_TASKS,
    paused: { ...who, until: ISO },
    dryRun: who,
    evacuation: { ...who, until: ISO, window: 'w'.repeat(64) },
    updatedAt: ISO,
  };
}

type Shape = 'nested map (v1)' | 'JSON string (v2)' | 'gzip binary';

function itemOf(shape: Shape, state: WorkloadState, version: number): Record<string, unknown> {
  const key = { pk: `WORKLOAD#${state.workload}`, sk: 'STATE' };
  if (shape === 'nested map (v1)') {
    const { version: _inItsOwnAttribute, ...body } = state;
    return { ...key, version, state: body, updatedAt: ISO };
  }
  const encoded = encodeState(state, version);
  return {
    ...key,
    ...encoded,
    state: shape === 'gzip binary' ? gzipSync(encoded.state) : encoded.state,
    updatedAt: ISO,
  };
}

/** CPU seconds a process has spent so far (user + system), from /proc. */
function cpuSecondsOf(pid: number): number {
  const seconds = cpuSeconds(pid);
  if (seconds === undefined) throw new Error(`no CPU time for process ${pid}: /proc is not readable`);
  return seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** What this process spends per read (unmarshal, decode, check) and per write (check, encode, marshal). */
function inProcess(shape: Shape, state: WorkloadState, raw: Record<string, unknown>) {
  const read = () => {
    const item = unmarshall(raw as never);
    const stored =
      shape === 'gzip binary' ? { ...item, state: gunzipSync(item.state as Uint8Array).toString() } : item;
    return decodeState(state.workload, stored);
  };
  const write = () => marshall(itemOf(shape, state, state.version), { removeUndefinedValues: true });
  const perCall = (call: () => unknown) => {
    for (let i = 0; i < 5; i++) call();
    const start = performance.now();
    for (let i = 0; i < CALLS; i++) call();
    return (performance.now() - start) / CALLS;
  };
  return { readMs: perCall(read), writeMs: perCall(write) };
}

async function timed(pid: number, call: () => Promise<unknown>) {
  await call(); // warm-up
  const walls: number[] = [];
  const emulatorBefore = cpuSecondsOf(pid);
  const clientBefore = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) {
    const start = performance.now();
    await call();
    walls.push(performance.now() - start);
  }
  const client = process.cpuUsage(clientBefore);
  return {
    wallMs: median(walls),
    emulatorCpuMs: ((cpuSecondsOf(pid) - emulatorBefore) * 1000) / CALLS,
    clientCpuMs: (client.user + client.system) / 1000 / CALLS,
  };
}

async function main(): Promise<void> {
  // The emulator takes any credentials; the SDK insists on some.
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const emulator = await startMoto();
  const pid = emulator.process?.pid;
  if (pid === undefined) throw new Error('no emulator process to measure');
  try {
    const dynamo = new DynamoDBClient(clientConfig(REGION, emulator.endpoint));
    await dynamo.send(new CreateTableCommand(stateTableInput(TABLE)));
    for (const region of ['us-west-2', 'eu-west-1'])
      await dynamo.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: marshall({
            pk: 'REGION_HEALTH',
            sk: region,
            health: { region, state: 'closed' },
            updatedAt: ISO,
          }),
        }),
      );
    console.log(
      `${CALLS} calls each: item size by DynamoDB's rules; per call median wall time and mean CPU (emulator / this process); decode (unmarshal, unzip, parse, check) and encode (check, serialise, zip, marshal) in this process`,
    );
    for (const [name, state] of [
      ['large state', largeState()],
      ['largest state the caps allow', largestState()],
    ] as const) {
      console.log(`\n${name}`);
      for (const shape of ['nested map (v1)', 'JSON string (v2)', 'gzip binary'] as const) {
        let version = 1;
        const item = () => marshall(itemOf(shape, state, version), { removeUndefinedValues: true });
        const key = marshall({ pk: `WORKLOAD#${state.workload}`, sk: 'STATE' });
        await dynamo.send(new PutItemCommand({ TableName: TABLE, Item: item() }));
        const get = await timed(pid, () =>
          dynamo.send(new GetItemCommand({ TableName: TABLE, Key: key, ConsistentRead: true })),
        );
        const raw = (
          await dynamo.send(new GetItemCommand({ TableName: TABLE, Key: key, ConsistentRead: true }))
        ).Item;
        if (!raw) throw new Error('the item just written is missing');
        const here = inProcess(shape, { ...state, version }, raw);
        const batch = await timed(pid, () =>
          dynamo.send(
            new BatchGetItemCommand({
              RequestItems: {
                [TABLE]: {
                  Keys: [
                    key,
                    ...['us-west-2', 'eu-west-1'].map((sk) => marshall({ pk: 'REGION_HEALTH', sk })),
                  ],
                  ConsistentRead: true,
                },
              },
            }),
          ),
        );
        const commit = await timed(pid, async () => {
          const expected = version++;
          await dynamo.send(
            new TransactWriteItemsCommand({
              TransactItems: [
                {
                  Put: {
                    TableName: TABLE,
                    Item: item(),
                    ConditionExpression: 'version = :expected',
                    ExpressionAttributeValues: marshall({ ':expected': expected }),
                  },
                },
              ],
            }),
          );
        });
        const bytes = itemSizeBytes(itemOf(shape, state, version));
        const cell = (t: Awaited<ReturnType<typeof timed>>) =>
          `${t.wallMs.toFixed(1).padStart(6)} ms ${t.emulatorCpuMs.toFixed(1).padStart(6)} / ${t.clientCpuMs.toFixed(1).padStart(4)} ms`;
        console.log(
          `  ${shape.padEnd(17)} ${(bytes / 1024).toFixed(1).padStart(6)} KB  GetItem ${cell(get)}  BatchGetItem ${cell(batch)}  conditional write ${cell(commit)}  decode ${here.readMs.toFixed(2)} ms, encode ${here.writeMs.toFixed(2)} ms`,
        );
      }
    }
  } finally {
    await emulator.stop();
  }
}

await main();
