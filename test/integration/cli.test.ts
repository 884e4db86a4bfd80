import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../src/core/decision';
import type { StatusReport } from '../../src/usecases/status';
import { alertmanagerBody, eventually, type Harness, startHarness, tagValue, tasksIn } from './harness';

const BIN = resolve(import.meta.dirname, '../../bin/spillway.mjs');

describe('the spillway CLI, run as an operator runs it, against the local runtime', () => {
  let harness: Harness;
  let dir: string;
  let runtimeFile: string;
  beforeAll(async () => {
    harness = await startHarness({ configPath: resolve(import.meta.dirname, 'cli.config.yaml') });
    // What `make run` writes to .local/runtimes/<port>.json, written for this runtime only and handed to
    // the CLI with --runtime-file, so a developer's running `make run` is never touched.
    dir = mkdtempSync(join(tmpdir(), 'spillway-cli-'));
    runtimeFile = join(dir, 'runtime.json');
    writeFileSync(
      runtimeFile,
      JSON.stringify({
        url: harness.runtime.url,
        endpoint: harness.runtime.endpoint,
        ...harness.runtime.provisioned,
      }),
    );
  });
  afterAll(async () => {
    await harness?.runtime.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * `node bin/spillway.mjs …` from a directory other than the repository, as a child process. Async:
   * the runtime under test runs in this process and must keep polling meanwhile.
   */
  const cli = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [BIN, '--runtime-file', runtimeFile, ...args],
        { cwd: dir, encoding: 'utf8', env: { ...process.env, USER: 'oncall-sre' }, timeout: 30_000 },
        (error, stdout, stderr) =>
          done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  /** Sends a state-changing command; returns the command id it printed. */
  const command = async (...args: string[]) => {
    const result = await cli(...args);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [id] = result.stdout.split(/\s/);
    expect(id).toMatch(/^cmd-[0-9a-f-]{36}$/);
    return { id: id as string, stdout: result.stdout };
  };
  const running = (workload: string, n: number) =>
    eventually(async () => {
      const tasks = (await tasksIn(harness, 'us-west-2', 'spillway-test')).filter(
        (t) => tagValue(t, 'spillway:workload') === workload && t.lastStatus === 'RUNNING',
      );
      return tasks.length === n ? tasks : undefined;
    }, `${n} RUNNING ${workload} task(s)`);
  const tasksOf = async (workload: string) =>
    (await tasksIn(harness, 'us-west-2', 'spillway-test')).filter(
      (t) => tagValue(t, 'spillway:workload') === workload,
    );
  const fire = async (workload: string, fingerprint: string) => {
    const response = await harness.post(
      'alertmanager',
      alertmanagerBody({
        workload,
        status: 'firing',
        fingerprint,
        startsAt: new Date(Date.now() - 30_000).toISOString(),
      }),
    );
    expect(response.status).toBe(202);
  };
  const history = async (workload: string): Promise<Decision[]> => {
    const result = await cli('history', workload, '--json', '--limit', '50');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as Decision[];
  };
  const decisionWhere = (workload: string, ok: (d: Decision) => boolean, what: string) =>
    eventually(async () => (await harness.store.recentDecisions(workload, 50)).find(ok), what);

  it('status --json shows the burst a webhook started, with its cost against the spend guard', async () => {
    // Prepare
    await fire('cli-status', 'c11c000000000001');
    await running('cli-status', 1);

    // Act
    const [result, human] = await Promise.all([cli('status', '--json'), cli('status')]);

    // Assess
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as StatusReport;
    const status = report.workloads.find((w) => w.workload === 'cli-status');
    expect(status).toMatchObject({
      homeSite: 'onprem-dc1',
      liveTasks: 1,
      pendingLaunches: 0,
      firingAlerts: [expect.stringMatching(/^alertmanager:/)],
      cost: { perHour: 0.05, maxPerHour: null, priced: true },
      controls: { paused: null, dryRun: null, evacuation: null },
    });
    expect(status?.burstRegions).toEqual([
      expect.objectContaining({ region: 'us-west-2', onDemand: 1, spot: 0, pending: 0, breakerOpen: false }),
    ]);
    expect(status?.regions['us-west-2']?.map((t) => t.ecsStatus)).toEqual(['RUNNING']);
    expect(report.totals).toMatchObject({ maxCostPerHour: 10 });
    expect(report.regionHealth).toEqual([expect.objectContaining({ region: 'us-west-2', state: 'healthy' })]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^cli-status {2,}onprem-dc1 +1\/3 +1 +0 +0 +0 +1 +0\.0500 +- *$/m);
    expect(Math.max(...human.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(120);
  });

  it('burst N starts N tasks, and says how to follow the command', async () => {
    // Act
    const { id, stdout } = await command('burst', 'cli-burst', '2', '--reason', 'black friday warm-up');

    // Assess
    expect(stdout).toBe(
      `${id}  burst cli-burst  follow: spillway history cli-burst --runtime-file ${runtimeFile}\n`,
    );
    await running('cli-burst', 2);
    const decisions = await history('cli-burst');
    const burst = decisions.find((d) => d.commands?.some((c) => c.id === id));
    expect(burst?.action.kind).toBe('scale_out');
    expect(burst?.reason).toContain('operator burst 2 by oncall-sre ("black friday warm-up")');
  });

  it('pause, then a firing alert: nothing starts, and status shows who paused and why', async () => {
    // Prepare
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const { id } = await command('pause', 'cli-pause', '--until', until, '--reason', 'incident 42');
    await decisionWhere('cli-pause', (d) => !!d.commands?.some((c) => c.id === id), 'the pause applied');

    // Act
    await fire('cli-pause', 'c11c000000000002');

    // Assess
    const held = await decisionWhere(
      'cli-pause',
      (d) => d.firingAlerts.length > 0,
      'a decision on the alert',
    );
    expect(held.action).toEqual({ kind: 'hold' });
    await harness.runtime.reconcileNow();
    expect(await tasksOf('cli-pause')).toEqual([]);
    const status = await cli('status');
    expect(status.stdout).toMatch(/^cli-pause .* PAUSED$/m);
    expect(status.stdout).toContain(`paused since`);
    expect(status.stdout).toContain(`by oncall-sre until ${until.replace(/\.\d+Z$/, 'Z')}: "incident 42"`);
  });

  it('dry-run on, then a firing alert: the decision log says what it would do, ECS starts nothing', async () => {
    // Prepare
    const { id } = await command('dry-run', 'on', 'cli-dry-run', '--reason', 'trying new steps');
    await decisionWhere('cli-dry-run', (d) => !!d.commands?.some((c) => c.id === id), 'dry-run applied');

    // Act
    await fire('cli-dry-run', 'c11c000000000003');

    // Assess
    await decisionWhere('cli-dry-run', (d) => d.firingAlerts.length > 0, 'a decision on the alert');
    const logged = (await history('cli-dry-run')).find((d) => d.firingAlerts.length > 0);
    expect(logged?.action).toEqual({ kind: 'hold' });
    expect(logged?.reason).toMatch(/^dry-run: would start 1 in us-west-2/);
    await harness.runtime.reconcileNow();
    expect(await tasksOf('cli-dry-run')).toEqual([]);
    expect((await harness.store.load('cli-dry-run')).pendingLaunches).toEqual([]);
  });

  it('drain --all drains every burst task through the drain workflow', async () => {
    // Prepare
    await command('burst', 'cli-drain', '2', '--reason', 'warm-up');
    await running('cli-drain', 2);

    // Act
    await command('drain', 'cli-drain', '--all', '--reason', 'peak over');

    // Assess
    await eventually(async () => {
      const tasks = await tasksOf('cli-drain');
      return tasks.length === 2 && tasks.every((t) => t.lastStatus === 'STOPPED') ? tasks : undefined;
    }, 'both cli-drain tasks STOPPED');
    const drained = (await history('cli-drain')).find((d) => d.action.kind === 'scale_in');
    expect(drained?.reason).toMatch(
      /^operator drain all by oncall-sre \("peak over"\): draining 2 task\(s\)/,
    );
  });

  it('drain --all while an alert fires is refused, naming pause; paused first, the drain goes through', async () => {
    // Prepare
    await fire('cli-drain-firing', 'c11c000000000005');
    await running('cli-drain-firing', 1);

    // Act
    const refused = await cli('drain', 'cli-drain-firing', '--all', '--reason', 'peak over');
    const { id: pause } = await command('pause', 'cli-drain-firing', '--reason', 'keep it down');
    await decisionWhere(
      'cli-drain-firing',
      (d) => !!d.commands?.some((c) => c.id === pause),
      'pause applied',
    );
    await command('drain', 'cli-drain-firing', '--all', '--reason', 'peak over');

    // Assess
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /^spillway: drain cli-drain-firing refused: 1 alert\(s\) still firing \(alertmanager:[0-9a-f]+\).*pause it first \(spillway pause cli-drain-firing --reason "…"\).*add --force\n$/,
    );
    await eventually(async () => {
      const tasks = await tasksOf('cli-drain-firing');
      return tasks.length === 1 && tasks.every((t) => t.lastStatus === 'STOPPED') ? tasks : undefined;
    }, 'the cli-drain-firing task STOPPED while its alert still fires');
    const decisions = await history('cli-drain-firing');
    expect(decisions.filter((d) => d.action.kind === 'scale_in')).toHaveLength(1);
    expect(decisions.some((d) => /pressure came back|keep \d+ draining/.test(d.reason))).toBe(false);
  });

  it('evacuate is accepted: the command lands in the decision log as applied', async () => {
    // Act
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const { id } = await command('evacuate', 'cli-evacuate', '--until', until, '--reason', 'dc1 maintenance');

    // Assess
    const applied = await decisionWhere(
      'cli-evacuate',
      (d) => !!d.commands?.some((c) => c.id === id),
      'a decision applying the evacuation',
    );
    expect(applied.commands).toEqual([{ id, action: 'evacuate', outcome: 'applied' }]);
  });

  it('bad input exits 2 with a specific message and sends nothing', async () => {
    // Act
    const results = await Promise.all([
      cli('pause', 'cli-pause'),
      cli('burst', 'no-such-workload', '1', '--reason', 'x'),
      cli('pause', 'cli-pause', '--until', '2020-01-01T00:00:00Z', '--reason', 'x'),
    ]);

    // Assess
    expect(results.map((r) => [r.code, r.stdout, r.stderr.trim()])).toEqual([
      [2, '', 'spillway: pause changes state: --reason "…" is required'],
      [
        2,
        '',
        "spillway: unknown workload 'no-such-workload'; known: cli-status, cli-burst, cli-pause, cli-dry-run, cli-drain, cli-drain-firing, cli-evacuate",
      ],
      [2, '', expect.stringMatching(/^spillway: --until 2020-01-01T00:00:00Z is in the past/)],
    ]);
  });
});
