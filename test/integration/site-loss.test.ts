import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../src/adapters/client-config';
import { SiteStore } from '../../src/adapters/site-store';
import type { StatusView } from '../../src/local/status-view';
import { eventually, type Harness, startHarness, TOKEN, tagValue, tasksIn } from './harness';

const CONFIG = resolve(import.meta.dirname, 'site-loss.yaml');
const SITE = 'onprem-dc1';

describe('a site whose heartbeats stop is evacuated, and drained back when they return', () => {
  let harness: Harness;
  let beating: ReturnType<typeof setInterval> | undefined;
  beforeAll(async () => {
    harness = await startHarness({ configPath: CONFIG });
  });
  afterAll(async () => {
    clearInterval(beating);
    await harness?.runtime.stop();
  });

  const heartbeat = (site = SITE, token = TOKEN) =>
    fetch(`${harness.runtime.url}/heartbeats/${site}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
  const startBeating = () => {
    beating = setInterval(() => void heartbeat().catch(() => {}), 1000);
  };
  const stopBeating = () => clearInterval(beating);
  const tasksOf = async (workload: string) =>
    (await tasksIn(harness, 'us-west-2', 'spillway-test')).filter(
      (t) => tagValue(t, 'spillway:workload') === workload,
    );
  const siteStatus = async () => {
    const view = (await (await fetch(`${harness.runtime.url}/status`)).json()) as StatusView;
    return view.sites?.find((s) => s.site === SITE);
  };
  const sites = () =>
    new SiteStore(
      harness.runtime.provisioned.stateTable,
      new DynamoDBClient(clientConfig('us-east-1', harness.runtime.endpoint)),
    );

  it('authenticates heartbeats and names the watched sites for an unknown one', async () => {
    expect((await heartbeat(SITE, 'wrong-token')).status).toBe(401);
    const unknown = await heartbeat('onprem-dc9');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      error: 'unknown_site',
      message: expect.stringContaining('watched: onprem-dc1'),
    });
    const accepted = await heartbeat();
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toMatchObject({ accepted: 1, site: SITE });
  });

  it("takes the site's Watchdog alert as its heartbeat, never as pressure", async () => {
    const now = new Date().toISOString();
    const response = await harness.post('alertmanager', {
      version: '4',
      groupKey: '{}:{alertname="Watchdog"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'spillway',
      groupLabels: {},
      commonLabels: { alertname: 'Watchdog' },
      commonAnnotations: {},
      alerts: [
        // A workload label on the Watchdog must not make it a signal for that workload.
        {
          status: 'firing',
          labels: { alertname: 'Watchdog', workload: 'evacuee' },
          annotations: {},
          startsAt: now,
        },
      ],
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ accepted: 0, heartbeats: [SITE] });
    const record = await eventually(async () => {
      const r = await sites().load(SITE);
      return r?.lastHeartbeatSource === 'alertmanager-watchdog' ? r : undefined;
    }, 'the Watchdog recorded as the heartbeat of onprem-dc1');
    expect(record.lastHeartbeatAt).toBeDefined();
    expect((await harness.store.load('evacuee')).alerts).toEqual({});
  });

  it('evacuates the home capacity once heartbeats stop, beyond the spend guard, and drains it back after they return', async () => {
    // Prepare: heartbeats every second; the site is healthy and nothing runs in the cloud.
    startBeating();
    await eventually(
      async () => ((await siteStatus())?.state === 'healthy' ? true : undefined),
      'site healthy',
    );
    expect(await tasksOf('evacuee')).toEqual([]);

    // Act: the site goes dark.
    stopBeating();
    const stoppedAt = Date.now();

    // Assess: lost after lossAfterSeconds, its workload's home capacity (2) RUNNING in the burst region.
    const running = await eventually(async () => {
      const tasks = (await tasksOf('evacuee')).filter((t) => t.lastStatus === 'RUNNING');
      return tasks.length === 2 ? tasks : undefined;
    }, 'two RUNNING evacuee tasks');
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(5_000);
    expect(running.map((t) => tagValue(t, 'spillway:home-site'))).toEqual([SITE, SITE]);
    const lost = await siteStatus();
    expect(lost?.state).toBe('lost');
    expect(lost?.loss?.decidedBy).toBe('heartbeats');
    const decisions = await harness.store.recentDecisions('evacuee');
    const evacuation = decisions.find((d) => d.commands?.some((c) => c.action === 'evacuate'));
    expect(evacuation?.reason).toMatch(/evacuation by site loss sl-onprem-dc1-/);
    expect(evacuation?.reason).toMatch(
      /spend guard exceeded: 1 of 2 task\(s\) are beyond the workload's maxBurstCostPerHour/,
    );
    expect(evacuation?.commands).toEqual([
      {
        id: expect.stringMatching(/^sl-onprem-dc1-\w+-evacuee-evacuate$/),
        action: 'evacuate',
        outcome: 'applied',
      },
    ]);
    expect(await tasksOf('stay-home')).toEqual([]);

    // Act: a few more reconciles while the site stays dark change nothing.
    for (let i = 0; i < 3; i++) await harness.runtime.reconcileNow();
    expect((await tasksOf('evacuee')).filter((t) => t.lastStatus === 'RUNNING')).toHaveLength(2);

    // Act: heartbeats return.
    const backAt = Date.now();
    startBeating();

    // Assess: recovering, then after recoveryStableSeconds (4) drained back through the workflow.
    const drained = await eventually(
      async () => {
        const tasks = await tasksOf('evacuee');
        return tasks.length === 2 && tasks.every((t) => t.lastStatus === 'STOPPED') ? tasks : undefined;
      },
      'the evacuee tasks STOPPED after the site recovered',
      45_000,
    );
    expect(drained.map((t) => t.stoppedReason)).toEqual(['Spillway drain', 'Spillway drain']);
    const after = await harness.store.recentDecisions('evacuee', 50);
    const ended = after.find((d) => d.commands?.some((c) => c.action === 'end_evacuation'));
    expect(Date.parse(ended?.at as string) - backAt).toBeGreaterThanOrEqual(4_000);
    const evacuations = after.filter((d) =>
      d.commands?.some((c) => c.action === 'evacuate' && c.outcome === 'applied'),
    );
    expect(evacuations).toHaveLength(1);
    expect((await siteStatus())?.state).toBe('healthy');
    stopBeating();
  });
});
