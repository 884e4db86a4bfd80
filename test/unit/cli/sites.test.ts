import { describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/cli/connect';
import { summarise } from '../../../src/cli/dlq';
import { type CliDeps, runCli } from '../../../src/cli/run';
import type { SiteRecord } from '../../../src/core/site-health';
import { aConfig, at, isoAt, workloadDoc } from '../factories';
import { capturingSqs, emptyStore, fakeTarget } from './fake-connection';

/** `spillway sites` and `site lost|recovered` against fakes: printed, sent, and the site items. */
function harness() {
  const out: string[] = [];
  const err: string[] = [];
  const sent: Record<string, unknown>[] = [];
  const records = new Map<string, SiteRecord>();
  let now = at(0);
  const connection: Connection = {
    target: fakeTarget(
      aConfig({
        sites: [
          { id: 'onprem-dc1', kind: 'onprem', heartbeat: { lossAfterSeconds: 60 } },
          { id: 'onprem-dc2', kind: 'onprem' },
        ],
        workloads: [workloadDoc(), workloadDoc({ name: 'search-api' })],
      }),
    ),
    store: emptyStore(),
    sqs: capturingSqs(sent),
    compute: { describe: async () => [] },
    sites: {
      load: async (site) => records.get(site),
      loadAll: async () => [...records.values()],
      save: async (next, expected) => {
        if ((records.get(next.site)?.version ?? 0) !== expected) return false;
        records.set(next.site, { ...next, version: expected + 1 });
        return true;
      },
    },
  };
  const deps: CliDeps = {
    connect: async () => connection,
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    now: () => now,
    requestedBy: 'alice',
  };
  return {
    run: (...argv: string[]) => runCli(argv, deps),
    out,
    err,
    sent,
    records,
    at: (seconds: number) => {
      now = at(seconds);
    },
  };
}

describe('spillway sites and site lost|recovered', () => {
  it('lists the watched sites with their state and last heartbeat', async () => {
    const cli = harness();
    cli.records.set('onprem-dc1', {
      site: 'onprem-dc1',
      version: 3,
      state: 'suspect',
      since: isoAt(-30),
      reason: 'heartbeat late: last 40 s ago (lost after 60 s without one)',
      lastHeartbeatAt: isoAt(-40),
      lastHeartbeatSource: 'alertmanager-watchdog',
    });
    expect(await cli.run('sites')).toBe(0);
    const text = cli.out.join('\n');
    expect(text).toMatch(/^SITE\s+STATE\s+SINCE\s+LAST HEARTBEAT/);
    expect(text).toMatch(
      /onprem-dc1\s+suspect\s+2026-03-01T11:59:30Z\s+40 s ago \(alertmanager-watchdog\)\s+-\s+heartbeat late/,
    );
    expect(text).not.toContain('onprem-dc2');
  });

  it('shows the watched sites under the workloads in status, and in status --json', async () => {
    const cli = harness();
    expect(await cli.run('site', 'lost', 'onprem-dc1', '--reason', 'fire alarm')).toBe(0);
    expect(await cli.run('status')).toBe(0);
    expect(cli.out.at(-1)).toMatch(/\nSITE\s+STATE[^\n]*\nonprem-dc1\s+LOST\s+2026-03-01T12:00:00Z\s+never/);
    expect(await cli.run('status', '--json')).toBe(0);
    expect(JSON.parse(cli.out.at(-1) ?? '{}').sites).toEqual([
      expect.objectContaining({ site: 'onprem-dc1', state: 'lost', lastHeartbeatAt: null }),
    ]);
  });

  it('declares a site lost once, sending its evacuations, and recovered, sending their end', async () => {
    const cli = harness();
    expect(await cli.run('site', 'lost', 'onprem-dc1', '--reason', 'fire alarm')).toBe(0);
    expect(cli.out.at(-1)).toMatch(/^site onprem-dc1 declared lost\n/);
    expect(cli.out.at(-1)).toMatch(/LOST/);
    const commands = cli.sent.map((b) => b.command as Record<string, unknown>);
    expect(commands.map((c) => [c.workload, c.action])).toEqual([
      ['checkout-api', 'evacuate'],
      ['search-api', 'evacuate'],
    ]);
    expect(commands[0]?.reason).toMatch(/decided by operator: declared lost by alice: fire alarm/);

    cli.at(5);
    expect(await cli.run('site', 'lost', 'onprem-dc1', '--reason', 'fire alarm')).toBe(0);
    expect(cli.out.at(-1)).toMatch(/^site onprem-dc1 already lost: nothing changed/);
    expect(cli.sent).toHaveLength(2);

    cli.at(600);
    expect(await cli.run('site', 'recovered', 'onprem-dc1', '--reason', 'all clear', '--json')).toBe(0);
    expect(JSON.parse(cli.out.at(-1) ?? '{}')).toMatchObject({ changed: true, site: { state: 'healthy' } });
    expect(cli.sent.slice(2).map((b) => (b.command as Record<string, unknown>).action)).toEqual([
      'end_evacuation',
      'end_evacuation',
    ]);
  });

  it('refuses a site it does not watch with exit 2, sending nothing', async () => {
    const cli = harness();
    expect(await cli.run('site', 'lost', 'onprem-dc2', '--reason', 'x')).toBe(2);
    expect(cli.err).toEqual([
      'spillway: site onprem-dc2 is not watched for loss (it has no heartbeat settings); watched: onprem-dc1',
    ]);
    expect(cli.sent).toEqual([]);
  });
});

describe('a heartbeat in the dead-letter queue', () => {
  it('is summarised as the heartbeat it is', () => {
    const body = {
      kind: 'heartbeat',
      version: 1,
      heartbeat: { site: 'onprem-dc1', at: isoAt(0), source: 'http' },
    };
    expect(summarise(JSON.stringify(body))).toBe(`heartbeat of site onprem-dc1 at ${isoAt(0)} (http)`);
  });
});
