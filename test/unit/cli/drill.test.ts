import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../../../src/cli/args';
import type { Connection } from '../../../src/cli/connect';
import { type DrillRow, renderDrills } from '../../../src/cli/drill';
import { renderStatus } from '../../../src/cli/render-status';
import { type CliDeps, runCli } from '../../../src/cli/run';
import { type DrillResult, withDrill } from '../../../src/core/drill';
import { statusReport } from '../../../src/usecases/status';
import { aConfig, aState, at, isoAt } from '../factories';
import { capturingSqs, emptyStore, fakeTarget } from './fake-connection';

const result = (
  workload: string,
  drillId: string,
  region: string,
  spec: Partial<DrillResult> = {},
): DrillResult => ({
  drillId,
  workload,
  region,
  requestedAt: isoAt(0),
  finishedAt: isoAt(60),
  outcome: 'passed',
  started: true,
  secondsToRunning: 14.2,
  secondsToHealthy: null,
  drained: true,
  error: null,
  taskArn: `arn:aws:ecs:${region}:123456789012:task/spillway-burst/t1`,
  ...spec,
});

/**
 * A CLI run against fakes. The decide and reconcile functions are played by `afterLooks`: after
 * that many looks at the results, each sent drill's results appear (as `outcomeFor` says).
 */
function harness(options: { afterLooks?: number; failIn?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const sent: Record<string, unknown>[] = [];
  let looks = 0;
  let clock = 0;
  const connection: Connection = {
    target: fakeTarget(),
    store: emptyStore(),
    sqs: capturingSqs(sent),
    compute: { describe: async () => [] },
    drillResults: {
      load: async (workload) => {
        looks++;
        if (looks <= (options.afterLooks ?? 0)) return [];
        const commands = sent.map((body) => body.command as { id: string; workload: string });
        const config = aConfig();
        return commands
          .filter((c) => c.workload === workload)
          .flatMap((c) =>
            (config.workloads.find((w) => w.name === workload)?.burstRegions ?? []).map((r) =>
              r.region === options.failIn
                ? result(workload, c.id, r.region, {
                    outcome: 'failed',
                    started: false,
                    secondsToRunning: null,
                    drained: false,
                    error: 'ecs RunTask failed: ClusterNotFoundException: Cluster not found.',
                    taskArn: null,
                  })
                : result(workload, c.id, r.region),
            ),
          );
      },
    },
  };
  const deps: CliDeps = {
    connect: async () => connection,
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    now: () => at(clock),
    requestedBy: 'alice',
    sleep: async (ms) => {
      clock += ms / 1000;
    },
  };
  return { run: (...argv: string[]) => runCli(argv, deps), out, err, sent, looks: () => looks };
}

describe('spillway drill', () => {
  describe('parsing', () => {
    it('takes one workload, a default reason, and no wait unless asked', () => {
      // Act
      const { invocation } = parseCli(['drill', 'checkout-api'], at(0));

      // Assess
      expect(invocation).toEqual({
        name: 'drill',
        workloads: { one: 'checkout-api' },
        reason: 'readiness drill',
        wait: false,
      });
    });

    it('takes --all, --wait and a reason', () => {
      // Act
      const { invocation } = parseCli(['drill', '--all', '--wait', '--reason', 'weekly check'], at(0));

      // Assess
      expect(invocation).toEqual({ name: 'drill', workloads: 'all', reason: 'weekly check', wait: true });
    });

    it.each([
      [['drill'], 'drill needs a workload or --all: spillway drill <workload>|--all [--wait] [--reason "…"]'],
      [
        ['drill', 'checkout-api', '--all'],
        "drill: give a workload or --all, not both ('checkout-api' and --all)",
      ],
      [['drill', 'checkout-api', 'extra'], "drill: unexpected argument 'extra'"],
      [['drill', 'checkout-api', '--until', '2026-12-01T00:00:00Z'], 'drill does not take --until'],
      [['burst', 'checkout-api', '2', '--reason', 'x', '--wait'], 'burst does not take --wait'],
    ])('refuses %j: %s', (argv, message) => {
      // Act / Assess
      expect(() => parseCli(argv, at(0))).toThrow(UsageError);
      expect(() => parseCli(argv, at(0))).toThrow(message);
    });
  });

  describe('running', () => {
    it('sends one drill command with a derived id per workload, and prints the ids without --wait', async () => {
      // Prepare
      const cli = harness();

      // Act
      const code = await cli.run('drill', '--all');

      // Assess
      expect(code).toBe(0);
      expect(cli.sent.map((b) => (b.command as { workload: string; action: string }).workload)).toEqual([
        'checkout-api',
        'search-api',
      ]);
      expect(cli.sent[0]).toMatchObject({
        kind: 'command',
        command: { action: 'drill', reason: 'readiness drill', requestedBy: 'alice', issuedAt: isoAt(0) },
      });
      expect((cli.sent[0]?.command as { id: string } | undefined)?.id).toMatch(
        /^drill-checkout-api-[0-9a-f]{12}$/,
      );
      expect(cli.out.join('\n')).toMatch(
        /^drill-checkout-api-\w+ {2}drill checkout-api {2}follow: spillway status$/m,
      );
      expect(cli.looks()).toBe(0);
    });

    it('with --wait, polls until every region has its result, prints the table and exits 0 when all passed', async () => {
      // Prepare
      const cli = harness({ afterLooks: 2 });

      // Act
      const code = await cli.run('drill', 'checkout-api', '--wait');

      // Assess
      expect(code).toBe(0);
      expect(cli.looks()).toBeGreaterThan(2);
      const printed = cli.out.join('\n').split('\n');
      expect(printed[0]).toMatch(/^WORKLOAD +REGION +RESULT +STARTED +TO RUNNING +TO HEALTHY +DRAINED$/);
      expect(printed.slice(1)).toEqual([
        expect.stringMatching(/^checkout-api +us-west-2 +passed +yes +14\.2 s +- +yes$/),
        expect.stringMatching(/^checkout-api +eu-west-1 +passed +yes +14\.2 s +- +yes$/),
      ]);
    });

    it('exits 1 and shows the error when a region failed', async () => {
      // Prepare
      const cli = harness({ failIn: 'eu-west-1' });

      // Act
      const code = await cli.run('drill', 'checkout-api', '--wait');

      // Assess
      expect(code).toBe(1);
      expect(cli.out.join('\n')).toMatch(
        /eu-west-1 +failed +no +- +- +no\n\nerrors:\n {2}checkout-api eu-west-1: ecs RunTask failed: ClusterNotFoundException: Cluster not found\.$/,
      );
    });

    it('gives up after the longest a drill takes, exit 1, saying it is not finished', async () => {
      // Prepare: results never come.
      const cli = harness({ afterLooks: Number.POSITIVE_INFINITY });

      // Act
      const code = await cli.run('drill', 'search-api', '--wait');

      // Assess
      expect(code).toBe(1);
      expect(cli.err).toEqual([
        expect.stringMatching(/^spillway: drill not finished after \d+ s; spillway status shows it/),
      ]);
      expect(cli.out.join('\n')).toMatch(/search-api +eu-west-1 +not yet known/);
    });
  });

  it('renders a drill under way with its phase', () => {
    // Prepare
    const rows: DrillRow[] = [
      {
        workload: 'checkout-api',
        drillId: 'drill-1',
        region: 'us-west-2',
        result: null,
        run: {
          drillId: 'drill-1',
          region: 'us-west-2',
          cluster: 'spillway-burst',
          requestedAt: isoAt(0),
          phase: 'draining',
          taskArn: 'arn:aws:ecs:us-west-2:123456789012:task/spillway-burst/t1',
          runningAt: isoAt(12),
        },
      },
    ];

    // Act
    const text = renderDrills(rows);

    // Assess
    expect(text.split('\n')).toEqual([
      expect.stringMatching(/^WORKLOAD/),
      expect.stringMatching(/^checkout-api +us-west-2 +under way \(draining\) +yes +yes +- +-$/),
    ]);
  });

  it("shows each region's drill in status: the one under way, else the last result with its error", async () => {
    // Prepare: checkout-api drills us-west-2 now; eu-west-1's last drill failed.
    const config = aConfig();
    const state = withDrill(aState(), 'us-west-2', {
      drillId: 'drill-2',
      region: 'us-west-2',
      cluster: 'spillway-burst',
      requestedAt: isoAt(-30),
      phase: 'started',
    });
    const failed = result('checkout-api', 'drill-1', 'eu-west-1', {
      outcome: 'failed',
      started: false,
      secondsToRunning: null,
      drained: false,
      error: 'ecs RunTask failed: ClusterNotFoundException: Cluster not found.',
    });

    // Act
    const report = await statusReport({
      config,
      store: { load: async (workload) => (workload === 'checkout-api' ? state : aState({ workload })) },
      compute: { describe: async () => [] },
      drillResults: { load: async (workload) => (workload === 'checkout-api' ? [failed] : []) },
      now: () => at(0),
    });
    const text = renderStatus(report);

    // Assess
    expect(report.workloads[0]?.drills).toEqual([
      {
        region: 'us-west-2',
        underWay: { drillId: 'drill-2', phase: 'started', requestedAt: isoAt(-30) },
        last: null,
      },
      { region: 'eu-west-1', underWay: null, last: failed },
    ]);
    expect(report.workloads[1]?.drills).toEqual([]);
    expect(text).toContain('    drill us-west-2: under way (started) since 2026-03-01T11:59:30Z');
    expect(text).toContain(
      '    drill eu-west-1: FAILED 2026-03-01T12:01:00Z: ecs RunTask failed: ClusterNotFoundException: Cluster not found.',
    );
  });
});
