import { describe, expect, it } from 'vitest';
import type { SpillwayConfig } from '../../../src/config/schema';
import type { DecideEnvelope } from '../../../src/core/signal';
import type { SiteRecord } from '../../../src/core/site-health';
import { checkSites } from '../../../src/usecases/check-sites';
import { declareSite, SiteDeclarationError } from '../../../src/usecases/declare-site';
import { ingestHeartbeat } from '../../../src/usecases/ingest-heartbeat';
import { ingestWebhook } from '../../../src/usecases/ingest-webhook';
import { parseQueueMessage } from '../../../src/usecases/parse-queue-message';
import { processBatch } from '../../../src/usecases/process-batch';
import { siteStatuses } from '../../../src/usecases/site-status';
import {
  aCommand,
  aConfig,
  alertmanagerAlert,
  alertmanagerPayload,
  at,
  isoAt,
  queueMessage,
  workloadDoc,
} from '../factories';
import { fakeDecideDeps, RecordingLog } from '../fakes';
import { fakeIngest } from './ingest-deps';

/** checkout-api and search-api at home in the watched onprem-dc1; billing-api in unwatched dc2. */
function watchedConfig(heartbeat: Record<string, unknown> = {}): SpillwayConfig {
  return aConfig({
    sites: [
      {
        id: 'onprem-dc1',
        kind: 'onprem',
        heartbeat: { lossAfterSeconds: 60, alertmanagerWatchdog: true, ...heartbeat },
      },
      { id: 'onprem-dc2', kind: 'onprem' },
    ],
    workloads: [
      workloadDoc({ name: 'checkout-api' }),
      workloadDoc({ name: 'search-api' }),
      workloadDoc({ name: 'billing-api', homeSite: 'onprem-dc2' }),
    ],
  });
}

/** The site items in memory, with the adapter's conditional write; `conflicts` makes saves lose races. */
class FakeSites {
  readonly records = new Map<string, SiteRecord>();
  saves = 0;
  conflicts = 0;
  async load(site: string) {
    const record = this.records.get(site);
    return record ? (JSON.parse(JSON.stringify(record)) as SiteRecord) : undefined;
  }
  async save(next: SiteRecord, expected: number) {
    if (this.conflicts > 0) {
      this.conflicts--;
      // Someone else wrote in between: the stored version moves on.
      const stored = this.records.get(next.site);
      if (stored) this.records.set(next.site, { ...stored, version: stored.version + 1 });
      return false;
    }
    if ((this.records.get(next.site)?.version ?? 0) !== expected) return false;
    this.records.set(next.site, JSON.parse(JSON.stringify({ ...next, version: expected + 1 })));
    this.saves++;
    return true;
  }
}

class FakeCommandQueue {
  readonly sent: DecideEnvelope[] = [];
  async enqueue(envelopes: readonly DecideEnvelope[]) {
    this.sent.push(...envelopes);
  }
  get commands() {
    return this.sent.flatMap((e) => (e.kind === 'command' ? [e.command] : []));
  }
}

const TOKEN = 'beat-token';

describe('POST /heartbeats/{site}', () => {
  const deps = (config = watchedConfig()) =>
    fakeIngest({ config, secrets: { heartbeats: [TOKEN] }, now: at(42) });
  const beat = (site: string, token = TOKEN) => ({
    site,
    headers: { authorization: `Bearer ${token}` },
    body: '',
  });

  it('queues a heartbeat stamped with the time Spillway received it', async () => {
    const d = deps();
    const response = await ingestHeartbeat(beat('onprem-dc1'), d);
    expect(response).toEqual({ statusCode: 202, body: { accepted: 1, site: 'onprem-dc1', at: isoAt(42) } });
    expect(d.queue.batches.flat()).toEqual([
      { kind: 'heartbeat', version: 1, heartbeat: { site: 'onprem-dc1', at: isoAt(42), source: 'http' } },
    ]);
  });

  it('authenticates before it names any site', async () => {
    const d = deps();
    expect((await ingestHeartbeat(beat('onprem-dc9', 'wrong'), d)).statusCode).toBe(401);
    expect((await ingestHeartbeat(beat('onprem-dc1', 'wrong'), d)).statusCode).toBe(401);
    expect(d.queue.batches).toEqual([]);
  });

  it('answers 404 naming the watched sites for a site that is not watched', async () => {
    const d = deps();
    for (const site of ['onprem-dc9', 'onprem-dc2']) {
      const response = await ingestHeartbeat(beat(site), d);
      expect(response.statusCode).toBe(404);
      expect(response.body).toEqual({
        error: 'unknown_site',
        message: `no site '${site}' is watched for loss; watched: onprem-dc1`,
      });
    }
  });

  it('answers 503 with Retry-After when the heartbeat cannot be queued', async () => {
    const d = deps();
    d.queue.fail = true;
    const response = await ingestHeartbeat(beat('onprem-dc1'), d);
    expect(response.statusCode).toBe(503);
    expect(response.headers).toEqual({ 'retry-after': '5' });
  });
});

describe("Alertmanager's Watchdog", () => {
  const watchdog = (status: 'firing' | 'resolved', labels: Record<string, string> = {}) =>
    alertmanagerAlert({ status, labels: { alertname: 'Watchdog', severity: 'none', ...labels } });
  const post = (payload: unknown, config = watchedConfig()) => {
    const d = fakeIngest({ config, now: at(10) });
    return ingestWebhook(
      {
        source: 'alertmanager',
        headers: { authorization: 'Bearer s3cret-token', 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      },
      d,
    ).then((response) => ({ response, sent: d.queue.batches.flat() as readonly DecideEnvelope[] }));
  };

  it("is the site's heartbeat, never a signal, even with a workload label", async () => {
    const { response, sent } = await post(
      alertmanagerPayload([watchdog('firing', { workload: 'checkout-api' }), alertmanagerAlert()]),
    );
    expect(response.statusCode).toBe(202);
    expect(response.body).toMatchObject({ accepted: 1, heartbeats: ['onprem-dc1'] });
    const heartbeats = sent.filter((e) => e.kind === 'heartbeat');
    expect(heartbeats).toEqual([
      {
        kind: 'heartbeat',
        version: 1,
        heartbeat: { site: 'onprem-dc1', at: isoAt(10), source: 'alertmanager-watchdog' },
      },
    ]);
    const signals = sent.flatMap((e) => (e.kind === 'signals' ? e.signals : []));
    expect(signals.map((s) => s.name)).toEqual(['CheckoutLatencyHigh']);
  });

  it('a resolved Watchdog, or one no site claims, is ignored', async () => {
    const config = watchedConfig({ watchdogLabels: { cluster: 'dc1' } });
    const { response, sent } = await post(
      alertmanagerPayload([watchdog('resolved', { cluster: 'dc1' }), watchdog('firing', { cluster: 'dc7' })]),
      config,
    );
    expect(response.statusCode).toBe(202);
    expect(sent).toEqual([]);
    expect(response.body.ignored).toEqual([
      { item: 'Watchdog', reason: 'resolved: not a heartbeat of site onprem-dc1' },
      { item: 'Watchdog', reason: "matches no site's watchdogLabels" },
    ]);
  });

  it('is an alert like any other when no site uses it', async () => {
    const { sent } = await post(
      alertmanagerPayload([watchdog('firing', { workload: 'checkout-api' })]),
      aConfig(),
    );
    expect(sent.map((e) => e.kind)).toEqual(['signals']);
  });
});

describe('heartbeats on the queue', () => {
  const body = (heartbeat: Record<string, unknown>) =>
    JSON.stringify({ kind: 'heartbeat', version: 1, heartbeat });

  it('are parsed for watched sites, noted for others, refused when malformed', () => {
    const config = watchedConfig();
    expect(parseQueueMessage(body({ site: 'onprem-dc1', at: isoAt(5), source: 'http' }), config)).toEqual({
      ok: true,
      signals: [],
      heartbeats: [{ site: 'onprem-dc1', at: isoAt(5), source: 'http' }],
    });
    expect(
      parseQueueMessage(body({ site: 'onprem-dc2', at: isoAt(5), source: 'http' }), config),
    ).toMatchObject({
      ok: true,
      note: 'heartbeat of site onprem-dc2, which is not watched for loss',
    });
    const bad = parseQueueMessage(body({ site: 'onprem-dc1', at: 'yesterday', source: 'http' }), config);
    expect(bad.ok).toBe(false);
  });

  it('decide records the newest on the site item; an older one changes nothing', async () => {
    const deps = fakeDecideDeps(watchedConfig());
    const sites = new FakeSites();
    const withSites = { ...deps, sites };
    const message = (id: string, seconds: number) =>
      queueMessage(id, {
        kind: 'heartbeat',
        version: 1,
        heartbeat: { site: 'onprem-dc1', at: isoAt(seconds), source: 'http' },
      });
    expect(await processBatch([message('m1', 30), message('m2', 20)], withSites)).toEqual([]);
    expect(sites.records.get('onprem-dc1')?.lastHeartbeatAt).toBe(isoAt(30));
    expect(sites.saves).toBe(1);
    // No decision for any workload: a heartbeat is no pressure
    expect([...deps.store.committedDecisions, ...deps.store.loggedDecisions]).toEqual([]);
  });

  it('a heartbeat that cannot be recorded is retried', async () => {
    const deps = fakeDecideDeps(watchedConfig());
    const sites = new FakeSites();
    sites.load = async () => {
      throw new Error('dynamodb GetItem failed: ServiceUnavailable');
    };
    const failed = await processBatch(
      [
        queueMessage('m1', {
          kind: 'heartbeat',
          version: 1,
          heartbeat: { site: 'onprem-dc1', at: isoAt(1), source: 'http' },
        }),
      ],
      { ...deps, sites },
    );
    expect(failed).toEqual(['m1']);
  });

  it('only an evacuation may exceed the spend guard', () => {
    const config = watchedConfig();
    const command = (action: 'evacuate' | 'pause') =>
      JSON.stringify({
        kind: 'command',
        version: 1,
        command: { ...aCommand({ action }), exceedSpendGuard: true },
      });
    expect(parseQueueMessage(command('evacuate'), config).ok).toBe(true);
    expect(parseQueueMessage(command('pause'), config)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('only evacuate takes exceedSpendGuard'),
    });
  });
});

describe('the scheduled check of the sites', () => {
  const setup = (heartbeat: Record<string, unknown> = {}) => {
    const config = watchedConfig(heartbeat);
    let now = at(0);
    const sites = new FakeSites();
    const signals = new FakeCommandQueue();
    const log = new RecordingLog();
    const recorded: { name: string; value: number; site?: string }[] = [];
    const deps = {
      config,
      sites,
      signals,
      log,
      clock: () => now,
      metrics: {
        record: (name: string, value: number, d: Record<string, string>) =>
          recorded.push({ name, value, ...d }),
      },
    };
    const heartbeatAt = (seconds: number) =>
      sites.records.set('onprem-dc1', {
        ...(sites.records.get('onprem-dc1') ?? {
          site: 'onprem-dc1',
          version: 0,
          state: 'suspect',
          since: isoAt(0),
          reason: '',
        }),
        lastHeartbeatAt: isoAt(seconds),
        steadySince: isoAt(0),
        version: (sites.records.get('onprem-dc1')?.version ?? 0) + 1,
      } as SiteRecord);
    return { deps, sites, signals, log, recorded, heartbeatAt, setNow: (s: number) => (now = at(s)) };
  };

  it('sends the evacuations of a lost site once, to its homed workloads only, and marks them sent', async () => {
    const { deps, sites, signals, log, recorded, heartbeatAt, setNow } = setup();
    heartbeatAt(0);
    setNow(30);
    await checkSites(deps as never);
    expect(signals.sent).toEqual([]);
    setNow(61);
    await checkSites(deps as never);
    expect(signals.commands.map((c) => [c.workload, c.action, c.requestedBy])).toEqual([
      ['checkout-api', 'evacuate', 'site-loss'],
      ['search-api', 'evacuate', 'site-loss'],
    ]);
    expect(sites.records.get('onprem-dc1')?.sent).toBe(
      `${sites.records.get('onprem-dc1')?.loss?.id}:evacuate`,
    );
    expect(
      log.entries.find((e) => e.message === 'site state changed' && e.fields?.to === 'lost'),
    ).toBeDefined();
    expect(recorded.at(-1)).toEqual({ name: 'SiteLost', value: 1, site: 'onprem-dc1' });
    setNow(120);
    await checkSites(deps as never);
    expect(signals.commands).toHaveLength(2);
  });

  it('decides on what is really there when its write loses a race', async () => {
    const { deps, sites, signals, heartbeatAt, setNow } = setup();
    heartbeatAt(0);
    setNow(61);
    sites.conflicts = 2;
    await checkSites(deps as never);
    // Two lost races, then the move written once: one loss, one set of commands
    expect(sites.records.get('onprem-dc1')?.state).toBe('lost');
    expect(new Set(signals.commands.map((c) => c.id)).size).toBe(2);
  });

  it('sends again what a crash left unmarked, with the same ids', async () => {
    const { deps, sites, signals, heartbeatAt, setNow } = setup();
    heartbeatAt(0);
    setNow(61);
    await checkSites(deps as never);
    const first = signals.commands.map((c) => c.id);
    const record = sites.records.get('onprem-dc1') as SiteRecord;
    sites.records.set('onprem-dc1', { ...record, sent: undefined } as SiteRecord);
    setNow(70);
    await checkSites(deps as never);
    expect(signals.commands.map((c) => c.id)).toEqual([...first, ...first]);
  });

  it('one site failing leaves the others checked', async () => {
    const { deps, log, setNow } = setup();
    deps.sites.load = async () => {
      throw new Error('dynamodb GetItem failed: ServiceUnavailable');
    };
    setNow(10);
    await checkSites(deps as never);
    expect(log.messages('error')).toEqual(['site check failed']);
  });
});

describe('spillway site lost|recovered', () => {
  const deps = () => {
    const sites = new FakeSites();
    const signals = new FakeCommandQueue();
    let now = at(100);
    return {
      sites,
      signals,
      tick: (s: number) => (now = at(s)),
      deps: { config: watchedConfig(), sites, signals, clock: () => now, log: new RecordingLog() },
    };
  };

  it('declares a loss once: the second declaration changes and sends nothing', async () => {
    const { deps: d, signals, tick } = deps();
    const first = await declareSite({ site: 'onprem-dc1', as: 'lost', reason: 'fire alarm', by: 'alice' }, d);
    expect(first.changed).toBe(true);
    expect(first.record.loss).toMatchObject({ decidedBy: 'operator', pinned: true });
    expect(signals.commands.map((c) => c.reason)).toEqual([
      expect.stringContaining('decided by operator: declared lost by alice: fire alarm'),
      expect.stringContaining('decided by operator: declared lost by alice: fire alarm'),
    ]);
    tick(110);
    const again = await declareSite({ site: 'onprem-dc1', as: 'lost', reason: 'fire alarm' }, d);
    expect(again.changed).toBe(false);
    expect(signals.commands).toHaveLength(2);
    tick(200);
    const back = await declareSite(
      { site: 'onprem-dc1', as: 'recovered', reason: 'all clear', by: 'alice' },
      d,
    );
    expect(back.record.state).toBe('healthy');
    expect(signals.commands.slice(2).map((c) => c.action)).toEqual(['end_evacuation', 'end_evacuation']);
  });

  it('refuses a site that is unknown or not watched, naming the ones that are', async () => {
    const { deps: d } = deps();
    await expect(declareSite({ site: 'onprem-dc9', as: 'lost', reason: 'x' }, d)).rejects.toThrow(
      new SiteDeclarationError("unknown site 'onprem-dc9'; sites: onprem-dc1, onprem-dc2"),
    );
    await expect(declareSite({ site: 'onprem-dc2', as: 'lost', reason: 'x' }, d)).rejects.toThrow(
      /site onprem-dc2 is not watched for loss .*watched: onprem-dc1/,
    );
  });
});

describe('site status', () => {
  it('shows a watched site never heard from as suspect, with its settings', () => {
    const [status] = siteStatuses(watchedConfig({ witness: { url: 'https://dc1.example/' } }), [], at(0));
    expect(status).toMatchObject({
      site: 'onprem-dc1',
      state: 'suspect',
      lastHeartbeatAt: null,
      heartbeatAgeSeconds: null,
      lossAfterSeconds: 60,
      witness: { url: 'https://dc1.example/', ok: null },
      loss: null,
      workloads: ['checkout-api', 'search-api'],
    });
  });
});
