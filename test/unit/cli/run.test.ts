import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { GlobalOptions } from '../../../src/cli/args';
import type { Connection } from '../../../src/cli/connect';
import { type CliDeps, runCli } from '../../../src/cli/run';
import type { Decision } from '../../../src/core/decision';
import type { WorkloadState } from '../../../src/core/workload-state';
import { alertRecord, aState, aTask, at, isoAt, type StateSpec } from '../factories';
import { fakeTarget } from './fake-connection';

/** A CLI run against fakes: what it printed, what it sent, and whether it connected at all. */
function harness(
  options: {
    failSendFor?: string;
    failLoad?: Error;
    decisions?: Decision[];
    checkoutState?: WorkloadState;
  } = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const sent: { queue: string; body: Record<string, unknown> }[] = [];
  const connected: GlobalOptions[] = [];
  const asked: { workload: string; limit: number }[] = [];
  const connection: Connection = {
    target: fakeTarget(),
    store: {
      load: async (workload) => {
        if (options.failLoad) throw options.failLoad;
        if (workload === 'checkout-api' && options.checkoutState) return options.checkoutState;
        return workload === 'checkout-api'
          ? aState({ tasks: [aTask({ taskId: 'a' })] })
          : aState({ workload });
      },
      recentDecisions: async (workload, limit = 20) => {
        asked.push({ workload, limit });
        return options.decisions ?? [];
      },
      messageFailures: async () => new Map(),
    },
    sqs: {
      send: async (command: SendMessageBatchCommand) => {
        for (const entry of command.input.Entries ?? []) {
          const body = JSON.parse(entry.MessageBody ?? '{}');
          if (body.command?.workload === options.failSendFor)
            throw new Error('sqs SendMessage failed: AccessDenied');
          sent.push({ queue: command.input.QueueUrl ?? '', body });
        }
        return { Successful: [], Failed: [] };
      },
    } as unknown as SQSClient,
    compute: { describe: async () => [] },
    loadRegionHealth: async () => ({}),
  };
  const deps: CliDeps = {
    connect: async (o) => {
      connected.push(o);
      return connection;
    },
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    now: () => at(0),
    requestedBy: 'alice',
  };
  return { run: (...argv: string[]) => runCli(argv, deps), out, err, sent, connected, asked };
}

describe('runCli exit codes', () => {
  it('bad input: 2, a specific message, and no connection made', async () => {
    const cli = harness();

    const code = await cli.run('burst', 'checkout-api', '0', '--reason', 'x');

    expect(code).toBe(2);
    expect(cli.err).toEqual([
      "spillway: burst: the task count must be a whole number from 1 to 1000, not '0'",
    ]);
    expect(cli.connected).toEqual([]);
  });

  it('an unknown workload: 2 and nothing sent or read', async () => {
    const cli = harness();

    expect(await cli.run('pause', 'checkuot-api', '--reason', 'x')).toBe(2);
    expect(await cli.run('history', 'checkuot-api')).toBe(2);

    expect(cli.err).toEqual([
      "spillway: unknown workload 'checkuot-api'; known: checkout-api, search-api",
      "spillway: unknown workload 'checkuot-api'; known: checkout-api, search-api",
    ]);
    expect(cli.sent).toEqual([]);
    expect(cli.asked).toEqual([]);
  });

  it('an AWS error: 1 with its message', async () => {
    const cli = harness({ failLoad: new Error('dynamodb GetItem failed: ResourceNotFoundException') });

    expect(await cli.run('status')).toBe(1);
    expect(cli.err).toEqual(['spillway: dynamodb GetItem failed: ResourceNotFoundException']);
  });

  it('--help prints the usage and succeeds; no command prints it as an error', async () => {
    const cli = harness();

    expect(await cli.run('--help')).toBe(0);
    expect(await cli.run()).toBe(2);

    expect(cli.out[0]).toMatch(/^spillway <command> \[options\]/);
    expect(cli.err[0]).toBe(cli.out[0]);
  });
});

describe('runCli commands', () => {
  it('pause --all: one command per workload, each printed with its id and how to follow it', async () => {
    const cli = harness();

    const code = await cli.run(
      'pause',
      '--all',
      '--until',
      isoAt(3600),
      '--reason',
      'kill switch: ECS incident',
    );

    expect(code).toBe(0);
    expect(
      cli.sent.map((s) => [s.queue, s.body.kind, (s.body.command as Record<string, unknown>).workload]),
    ).toEqual([
      ['https://queue/signals', 'command', 'checkout-api'],
      ['https://queue/signals', 'command', 'search-api'],
    ]);
    expect(cli.sent[0]?.body.command).toEqual({
      id: expect.stringMatching(/^cmd-[0-9a-f-]{36}$/),
      workload: 'checkout-api',
      action: 'pause',
      reason: 'kill switch: ECS incident',
      requestedBy: 'alice',
      until: isoAt(3600),
      issuedAt: isoAt(0),
    });
    const ids = cli.sent.map((s) => (s.body.command as { id: string }).id);
    expect(cli.out).toEqual([
      `${ids[0]}  pause checkout-api  follow: spillway history checkout-api\n` +
        `${ids[1]}  pause search-api  follow: spillway history search-api`,
    ]);
  });

  it('the follow command carries the flags that reach the same environment', async () => {
    const cli = harness();

    await cli.run(
      'resume',
      'checkout-api',
      '--reason',
      'over',
      '--env',
      'prod',
      '--profile',
      'ops',
      '--json',
    );

    const [printed] = JSON.parse(cli.out[0] ?? '[]');
    expect(printed).toMatchObject({
      workload: 'checkout-api',
      action: 'resume',
      follow: 'spillway history checkout-api --env prod --profile ops',
    });
  });

  it('dry-run on --all: a failed send does not stop the others, and the run fails naming it', async () => {
    const cli = harness({ failSendFor: 'checkout-api' });

    const code = await cli.run('dry-run', 'on', '--all', '--reason', 'new steps');

    expect(code).toBe(1);
    expect(cli.sent.map((s) => (s.body.command as Record<string, unknown>).workload)).toEqual(['search-api']);
    expect(cli.out[0]).toMatch(/^cmd-\S+ {2}dry_run_on search-api {2}follow: spillway history search-api$/);
    expect(cli.err).toEqual([
      'spillway: dry-run checkout-api was not sent: sqs SendMessageBatch failed: Error: sqs SendMessage failed: AccessDenied',
    ]);
  });

  it('status --json prints the report with its stable fields', async () => {
    const cli = harness();

    expect(await cli.run('status', '--json')).toBe(0);

    const report = JSON.parse(cli.out[0] ?? '{}');
    expect(Object.keys(report)).toEqual([
      'environment',
      'at',
      'workloads',
      'totals',
      'regionHealth',
      'sites',
    ]);
    expect(report.totals).toMatchObject({ liveTasks: 1, onDemand: 1, spot: 0 });
    expect(report.workloads.map((w: { workload: string }) => w.workload)).toEqual([
      'checkout-api',
      'search-api',
    ]);
    expect(report.regionHealth.map((r: { region: string; state: string }) => [r.region, r.state])).toEqual([
      ['us-west-2', 'healthy'],
      ['eu-west-1', 'healthy'],
    ]);
  });

  it('history reads as many decisions as --limit asks, one line each', async () => {
    const decisions: Decision[] = [
      {
        id: 'd-1',
        workload: 'checkout-api',
        at: isoAt(0),
        action: { kind: 'hold' },
        reason: 'paused',
        signals: [],
        liveTasks: 0,
        firingAlerts: [],
        tick: false,
      },
    ];
    const cli = harness({ decisions });

    expect(await cli.run('history', 'checkout-api', '--limit', '3')).toBe(0);

    expect(cli.asked).toEqual([{ workload: 'checkout-api', limit: 3 }]);
    expect(cli.out).toEqual([`${isoAt(0)}  hold       paused`]);
  });
});

describe('drain while an alert still fires', () => {
  /** checkout-api with two running tasks and an alert firing: the policy would call a drain off. */
  const underPressure = (extra: StateSpec = {}) =>
    aState({
      tasks: [aTask({ taskId: 'a' }), aTask({ taskId: 'b' })],
      alerts: { 'alertmanager:3a5b8c1d2e4f6071': alertRecord('firing', -60) },
      ...extra,
    });

  it.each([
    ['drain --all', ['drain', 'checkout-api', '--all', '--reason', 'peak over']],
    ['drain 1', ['drain', 'checkout-api', '1', '--reason', 'peak over']],
  ])(
    '%s is refused with exit 2, naming the alert and what to do instead; nothing is sent',
    async (_, argv) => {
      // Prepare
      const cli = harness({ checkoutState: underPressure() });

      // Act
      const code = await cli.run(...argv);

      // Assess
      expect(code).toBe(2);
      expect(cli.sent).toEqual([]);
      expect(cli.err).toEqual([
        'spillway: drain checkout-api refused: 1 alert(s) still firing (alertmanager:3a5b8c1d2e4f6071), so the ' +
          'policy would call the drain off at its next decision ("pressure came back") and keep the tasks. ' +
          'To keep checkout-api down, pause it first (spillway pause checkout-api --reason "…"), then drain; ' +
          'to drain anyway, add --force',
      ]);
    },
  );

  it('is sent with --force', async () => {
    // Prepare
    const cli = harness({ checkoutState: underPressure() });

    // Act
    const code = await cli.run('drain', 'checkout-api', '--all', '--force', '--reason', 'peak over');

    // Assess
    expect(code).toBe(0);
    expect(cli.sent.map((s) => (s.body.command as Record<string, unknown>).action)).toEqual(['drain_all']);
  });

  it('is sent while the workload is paused, since a pause keeps the policy from calling drains off', async () => {
    // Prepare
    const paused = { since: isoAt(-30), reason: 'incident 42', commandId: 'cmd-1' };
    const cli = harness({ checkoutState: underPressure({ paused }) });

    // Act
    const code = await cli.run('drain', 'checkout-api', '--all', '--reason', 'peak over');

    // Assess
    expect(code).toBe(0);
    expect(cli.sent).toHaveLength(1);
  });

  it('is refused when the pause has expired, as the policy no longer honours it', async () => {
    // Prepare
    const paused = { since: isoAt(-300), until: isoAt(-1), reason: 'incident 42', commandId: 'cmd-1' };
    const cli = harness({ checkoutState: underPressure({ paused }) });

    // Act
    const code = await cli.run('drain', 'checkout-api', '--all', '--reason', 'peak over');

    // Assess
    expect(code).toBe(2);
    expect(cli.sent).toEqual([]);
  });

  it('is not asked about when no alert fires', async () => {
    // Prepare
    const cli = harness({
      checkoutState: underPressure({
        alerts: { 'alertmanager:3a5b8c1d2e4f6071': alertRecord('resolved', -5) },
      }),
    });

    // Act
    const code = await cli.run('drain', 'checkout-api', '--all', '--reason', 'peak over');

    // Assess
    expect(code).toBe(0);
    expect(cli.err).toEqual([]);
  });

  it('refuses --force on anything but drain', async () => {
    // Prepare
    const cli = harness();

    // Act
    const code = await cli.run('burst', 'checkout-api', '1', '--force', '--reason', 'x');

    // Assess
    expect(code).toBe(2);
    expect(cli.err).toEqual(['spillway: burst does not take --force']);
  });
});
