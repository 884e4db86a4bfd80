import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../src/adapters/client-config';
import { DrillResults } from '../../src/adapters/drill-results';
import type { BurstRegionConfig, WorkloadConfig } from '../../src/config/schema';
import type { OperatorCommand } from '../../src/core/command';
import { DRILL_TAG, type DrillResult } from '../../src/core/drill';
import { commandMessageBody } from '../../src/core/maintenance';
import { decideDeps } from '../../src/runtime/decide-wiring';
import { reconcileDeps } from '../../src/runtime/reconcile-wiring';
import { readSettings, type Settings } from '../../src/runtime/settings';
import { applySignals } from '../../src/usecases/apply-signals';
import type { Log } from '../../src/usecases/ports';
import { reconcileWorkload } from '../../src/usecases/reconcile';
import { startDrill } from '../../src/usecases/start-drill';
import { eventually, type Harness, startHarness, tagValue, tasksIn } from './harness';

const CONFIG = resolve(import.meta.dirname, 'drill.yaml');
const BIN = resolve(import.meta.dirname, '../../bin/spillway.mjs');
const quiet: Log = { info: () => {}, warn: () => {}, error: () => {} };

describe('readiness drills, against the emulator', () => {
  let harness: Harness;
  let settings: Settings;
  let results: DrillResults;
  beforeAll(async () => {
    harness = await startHarness({ configPath: CONFIG });
    settings = readSettings();
    const { endpoint, provisioned } = harness.runtime;
    results = new DrillResults(
      provisioned.stateTable,
      new DynamoDBClient(clientConfig(provisioned.effectiveConfig.controlRegion, endpoint)),
    );
  });
  afterAll(async () => {
    await harness?.runtime.stop();
  });

  /** `node bin/spillway.mjs …` against this runtime only (its info file), as an operator runs it. */
  const cli = (...args: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'spillway-drill-cli-'));
    const runtimeFile = join(dir, 'runtime.json');
    writeFileSync(
      runtimeFile,
      JSON.stringify({
        url: harness.runtime.url,
        endpoint: harness.runtime.endpoint,
        ...harness.runtime.provisioned,
      }),
    );
    return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [BIN, '--runtime-file', runtimeFile, ...args],
        { cwd: dir, encoding: 'utf8', env: { ...process.env, USER: 'oncall-sre' }, timeout: 60_000 },
        (error, stdout, stderr) => {
          rmSync(dir, { recursive: true, force: true });
          done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        },
      );
    });
  };

  it('`spillway drill <workload> --wait` prints a passed line per region and exits 0', async () => {
    // Act
    const result = await cli('drill', 'drilled', '--wait');

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^WORKLOAD +REGION +RESULT +STARTED +TO RUNNING +TO HEALTHY +DRAINED$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^drilled +us-west-2 +passed +yes +[\d.]+ s +- +yes$/),
      expect.stringMatching(/^drilled +eu-west-1 +passed +yes +[\d.]+ s +- +yes$/),
    ]);
  });

  let sent = 0;
  const drillCommand = (workload: string): OperatorCommand => ({
    id: `drill-${workload}-${++sent}`,
    workload,
    action: 'drill',
    reason: 'readiness drill test',
    requestedBy: 'integration',
    issuedAt: new Date().toISOString(),
  });
  const resultsOf = async (workload: string, drillId: string) =>
    (await results.load(workload)).filter((r) => r.drillId === drillId);
  const byRegion = (list: readonly DrillResult[]) => Object.fromEntries(list.map((r) => [r.region, r]));

  /** A workload only this file's deps know: `drilled`'s task definition and network, its own name. */
  const variant = (
    name: string,
    overrides: Partial<WorkloadConfig>,
    region: (r: BurstRegionConfig) => BurstRegionConfig = (r) => r,
  ): WorkloadConfig => {
    const base = settings.config.workloads.find((w) => w.name === 'drilled');
    if (!base) throw new Error('no workload drilled in drill.yaml');
    return { ...base, ...overrides, name, burstRegions: base.burstRegions.map(region) };
  };
  const configWith = (workload: WorkloadConfig) => ({
    ...settings,
    config: { ...settings.config, workloads: [...settings.config.workloads, workload] },
  });
  const burstOne = (workload: WorkloadConfig) =>
    applySignals(workload, [], decideDeps(configWith(workload), quiet), [
      {
        id: `cmd-${workload.name}-burst-${++sent}`,
        workload: workload.name,
        action: 'burst',
        count: 1,
        reason: 'live capacity before the drill',
        issuedAt: new Date().toISOString(),
      },
    ]);
  const drillTasks = async (region: string, cluster: string, drillId: string) =>
    (await tasksIn(harness, region, cluster)).filter((t) => tagValue(t, DRILL_TAG) === drillId);

  it('starts one task per region from a queued drill command, sees it RUNNING, drains it and records a pass', async () => {
    // Prepare
    const command = drillCommand('drilled');

    // Act: what `spillway drill drilled` puts on the queue; the runtime's decide and reconcile do the rest.
    await harness.sqs.send(
      new SendMessageCommand({
        QueueUrl: harness.runtime.provisioned.signalsQueueUrl,
        MessageBody: commandMessageBody(command),
      }),
    );

    // Assess
    const done = await eventually(async () => {
      const found = await resultsOf('drilled', command.id);
      return found.length === 2 ? found : undefined;
    }, 'a drill result in both regions');
    const regions = byRegion(done);
    for (const region of ['us-west-2', 'eu-west-1'])
      expect(regions[region]).toMatchObject({
        outcome: 'passed',
        started: true,
        drained: true,
        error: null,
        secondsToHealthy: null,
      });
    expect(regions['us-west-2']?.secondsToRunning).toEqual(expect.any(Number));
    const [west] = await drillTasks('us-west-2', 'drill-west', command.id);
    expect(west?.lastStatus).toBe('STOPPED');
    expect(tagValue(west as never, 'spillway:workload')).toBe('drilled');
    // Never capacity: no burst task was recorded or adopted, and the drill left the state.
    const state = await harness.store.load('drilled');
    expect(state.tasks).toEqual({});
    expect(state.drills).toBeUndefined();
    // The last result per region is in GET /status (the page and `spillway status` read the same).
    const status = (await (await fetch(`${harness.runtime.url}/status`)).json()) as {
      workloads: { workload: string; drills?: { region: string; last: DrillResult | null }[] }[];
    };
    const shown = status.workloads.find((w) => w.workload === 'drilled')?.drills ?? [];
    expect(shown.map((d) => [d.region, d.last?.drillId, d.last?.outcome])).toEqual([
      ['us-west-2', command.id, 'passed'],
      ['eu-west-1', command.id, 'passed'],
    ]);
    const reasons = (await harness.store.recentDecisions('drilled')).map((d) => d.reason);
    expect(reasons).toContainEqual(
      expect.stringContaining(
        `readiness drill ${command.id} by integration ("readiness drill test"): starting 1 drill task in us-west-2, eu-west-1`,
      ),
    );
  });

  it('reports a region without a cluster as failed and leaves the live burst tasks and the breaker alone', async () => {
    // Prepare: `ghost` has a live burst task in us-west-2; its eu-west-1 cluster was never deployed.
    const ghost = variant('ghost', {}, (r) =>
      r.region === 'eu-west-1' ? { ...r, cluster: 'not-deployed' } : r,
    );
    await burstOne(ghost);
    const before = await harness.store.load('ghost');
    const [liveTask] = Object.values(before.tasks);
    expect(liveTask?.status).toBe('running');
    const healthBefore = (await harness.store.loadRegionHealth())['eu-west-1'];
    const command = drillCommand('ghost');
    const deps = reconcileDeps(configWith(ghost), quiet);

    // Act
    await startDrill(ghost, command, deps);
    const done = await eventually(async () => {
      await reconcileWorkload(ghost, deps, 'skip');
      const found = await resultsOf('ghost', command.id);
      return found.length === 2 ? found : undefined;
    }, 'a drill result in both regions of ghost');

    // Assess
    const regions = byRegion(done);
    expect(regions['eu-west-1']).toMatchObject({
      outcome: 'failed',
      started: false,
      drained: false,
      taskArn: null,
    });
    expect(regions['eu-west-1']?.error).toMatch(/ClusterNotFoundException/);
    expect(regions['us-west-2']).toMatchObject({ outcome: 'passed', started: true, drained: true });
    const after = await harness.store.load('ghost');
    // The reconcile ran meanwhile (it records the task's address); the drill changed nothing of it.
    const lifecycle = (state: typeof before) =>
      Object.values(state.tasks).map((t) => ({
        taskArn: t.taskArn,
        status: t.status,
        drain: t.drainRequestedAt,
      }));
    expect(lifecycle(after)).toEqual(lifecycle(before));
    expect(after.pendingLaunches).toEqual([]);
    expect(after.drills).toBeUndefined();
    const live = (await tasksIn(harness, 'us-west-2', 'drill-west')).find(
      (t) => t.taskArn === liveTask?.taskArn,
    );
    expect(live?.lastStatus).toBe('RUNNING');
    expect((await harness.store.loadRegionHealth())['eu-west-1']).toEqual(healthBefore);
  });

  it('refuses a drill for a workload at its max, with the reason, and starts no task', async () => {
    // Prepare: `full` may run one burst task, and runs it.
    const full = variant('full', { maxBurstTasks: 1 });
    await burstOne(full);
    expect(Object.values((await harness.store.load('full')).tasks)).toHaveLength(1);
    const command = drillCommand('full');

    // Act
    await startDrill(full, command, decideDeps(configWith(full), quiet));

    // Assess
    const regions = byRegion(await resultsOf('full', command.id));
    for (const region of ['us-west-2', 'eu-west-1'])
      expect(regions[region]).toMatchObject({
        outcome: 'refused',
        started: false,
        error: 'at maxBurstTasks (1/1): a drill never pushes the workload above its max',
      });
    expect(await drillTasks('us-west-2', 'drill-west', command.id)).toEqual([]);
    expect(await drillTasks('eu-west-1', 'drill-east', command.id)).toEqual([]);
    expect((await harness.store.load('full')).drills).toBeUndefined();
  });
});
