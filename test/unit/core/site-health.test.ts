import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SiteHeartbeatConfig } from '../../../src/config/schema';
import {
  assessSite,
  declareLost,
  declareRecovered,
  emptySiteRecord,
  owedCommandSet,
  type ProbeResult,
  type SiteRecord,
  siteLossCommands,
  watchdogSite,
  withHeartbeat,
} from '../../../src/core/site-health';
import { aConfig, at, isoAt, workloadDoc } from '../factories';

const settings = (overrides: Partial<SiteHeartbeatConfig> = {}): SiteHeartbeatConfig => ({
  lossAfterSeconds: 120,
  recoveryStableSeconds: 300,
  flapWindowSeconds: 3600,
  alertmanagerWatchdog: false,
  spendGuardDuringLoss: 'exceed',
  ...overrides,
});

const SITE = 'onprem-dc1';
const probe = (ok: boolean, seconds = 0): ProbeResult => ({
  at: isoAt(seconds),
  ok,
  detail: ok ? 'HTTP 200' : 'no answer within 5 s',
});

/** What a site lived through: heartbeats and checks in time order, as decide and reconcile see them. */
type Event = { kind: 'heartbeat'; at: number } | { kind: 'check'; at: number; probe?: ProbeResult };

interface Lived {
  readonly record: SiteRecord;
  /** Every command set the record owed after a move, in order: what the reconciler sends. */
  readonly sent: { at: number; set: 'evacuate' | 'end'; episode: string }[];
  readonly states: { at: number; state: SiteRecord['state'] }[];
}

/** Applies events in order, marking owed command sets sent at once (as checkSites does). */
function live(
  events: readonly Event[],
  config: SiteHeartbeatConfig,
  start = emptySiteRecord(SITE, at(0)),
): Lived {
  let record = start;
  const sent: Lived['sent'] = [];
  const states: Lived['states'] = [];
  for (const event of [...events].sort((a, b) => a.at - b.at)) {
    if (event.kind === 'heartbeat') {
      record = withHeartbeat(record, { site: SITE, at: isoAt(event.at), source: 'http' }, config) ?? record;
      continue;
    }
    record = assessSite(record, at(event.at), config, event.probe).next;
    states.push({ at: event.at, state: record.state });
    const set = owedCommandSet(record);
    if (set && record.loss) {
      sent.push({ at: event.at, set, episode: record.loss.id });
      record = { ...record, sent: `${record.loss.id}:${set}` };
    }
  }
  return { record, sent, states };
}

const heartbeatsEvery = (seconds: number, from: number, to: number): Event[] =>
  Array.from({ length: Math.floor((to - from) / seconds) + 1 }, (_, i) => ({
    kind: 'heartbeat',
    at: from + i * seconds,
  }));
const checksEvery = (seconds: number, from: number, to: number, p?: ProbeResult): Event[] =>
  Array.from({ length: Math.floor((to - from) / seconds) + 1 }, (_, i) => ({
    kind: 'check',
    at: from + i * seconds,
    ...(p ? { probe: p } : {}),
  }));

describe('site health: heartbeats and loss', () => {
  it('is suspect, never lost, before its first heartbeat', () => {
    const { record, sent } = live(checksEvery(60, 0, 3600), settings());
    expect(record.state).toBe('suspect');
    expect(record.reason).toMatch(/no heartbeat received yet/);
    expect(sent).toEqual([]);
  });

  it('goes suspect when a heartbeat is late and lost at lossAfterSeconds, evacuating once', () => {
    const config = settings();
    const events = [...heartbeatsEvery(30, 0, 300), ...checksEvery(10, 0, 900)];
    const { states, sent, record } = live(events, config);
    const firstSuspect = states.find((s) => s.at > 300 && s.state === 'suspect');
    const firstLost = states.find((s) => s.state === 'lost');
    expect(firstSuspect?.at).toBe(360); // 60 s (lossAfterSeconds/2) after the last heartbeat at 300
    expect(firstLost?.at).toBe(420); // 120 s after it
    expect(sent).toEqual([{ at: 420, set: 'evacuate', episode: record.loss?.id }]);
    expect(record.loss?.decidedBy).toBe('heartbeats');
    expect(record.loss?.reason).toMatch(/no heartbeat for 120 s \(lossAfterSeconds 120\)/);
  });

  it('ignores a heartbeat no later than the one recorded', () => {
    const config = settings();
    const first = withHeartbeat(
      emptySiteRecord(SITE, at(0)),
      { site: SITE, at: isoAt(100), source: 'http' },
      config,
    );
    expect(first?.lastHeartbeatAt).toBe(isoAt(100));
    if (!first) throw new Error('first heartbeat not recorded');
    expect(withHeartbeat(first, { site: SITE, at: isoAt(100), source: 'http' }, config)).toBeUndefined();
    expect(
      withHeartbeat(first, { site: SITE, at: isoAt(40), source: 'alertmanager-watchdog' }, config),
    ).toBeUndefined();
  });

  it('recovers only after heartbeats are steady for recoveryStableSeconds, then ends the evacuation', () => {
    const config = settings({ flapWindowSeconds: 0 });
    const events = [
      ...heartbeatsEvery(30, 0, 300),
      ...heartbeatsEvery(30, 1000, 2000),
      ...checksEvery(10, 0, 2000),
    ];
    const { states, sent, record } = live(events, config);
    expect(states.find((s) => s.at >= 1000 && s.state === 'recovering')?.at).toBe(1000);
    // steady from 1000; 300 s later the site is healthy again, not a check earlier
    expect(states.find((s) => s.at > 1000 && s.state === 'healthy')?.at).toBe(1300);
    expect(sent.map((s) => [s.at, s.set])).toEqual([
      [420, 'evacuate'],
      [1300, 'end'],
    ]);
    expect(record.loss?.recoveredBy).toBe('heartbeats');
  });

  it('falls back to lost, without a second evacuation, when heartbeats stop again while recovering', () => {
    const config = settings();
    const events = [
      ...heartbeatsEvery(30, 0, 300),
      ...heartbeatsEvery(30, 1000, 1150),
      ...checksEvery(10, 0, 2000),
    ];
    const { states, sent } = live(events, config);
    expect(states.find((s) => s.at > 1150 && s.state === 'lost')?.at).toBe(1210);
    expect(sent.map((s) => s.set)).toEqual(['evacuate']);
  });

  it('with a witness, needs both: heartbeats absent and the probe failing', () => {
    const config = settings({
      witness: { url: 'https://dc1.example/health', timeoutSeconds: 5, expectStatus: 200 },
    });
    const silent = heartbeatsEvery(30, 0, 300);
    // The monitoring link is down but the site answers the witness: not lost
    const answering = live([...silent, ...checksEvery(10, 0, 2000, probe(true))], config);
    expect(answering.sent).toEqual([]);
    expect(answering.record.state).toBe('suspect');
    expect(answering.record.reason).toMatch(/the witness answers \(HTTP 200\): not declared lost/);
    // Not probed: no second opinion, no loss
    expect(live([...silent, ...checksEvery(10, 0, 2000)], config).sent).toEqual([]);
    // Both agree: lost, and the log says both decided
    const dark = live([...silent, ...checksEvery(10, 0, 2000, probe(false))], config);
    expect(dark.sent.map((s) => s.set)).toEqual(['evacuate']);
    expect(dark.record.loss?.decidedBy).toBe('heartbeats and witness');
    expect(dark.record.loss?.reason).toMatch(
      /witness https:\/\/dc1\.example\/health fails \(no answer within 5 s\)/,
    );
  });

  it('a failing witness alone makes the site suspect, never lost', () => {
    const config = settings({
      witness: { url: 'https://dc1.example/health', timeoutSeconds: 5, expectStatus: 200 },
    });
    const { record, sent } = live(
      [...heartbeatsEvery(30, 0, 3000), ...checksEvery(60, 0, 3000, probe(false))],
      config,
    );
    expect(sent).toEqual([]);
    expect(record.state).toBe('suspect');
    expect(record.reason).toMatch(/witness fails .* while heartbeats arrive/);
  });

  it('puts a site lost and recovered within the flap window on probation', () => {
    const config = settings({ recoveryStableSeconds: 60, flapWindowSeconds: 3600 });
    // lost at 420 (last heartbeat 300), recovered at 1060, silent again from 1200
    const events = [
      ...heartbeatsEvery(30, 0, 300),
      ...heartbeatsEvery(30, 1000, 1200),
      ...heartbeatsEvery(30, 5000, 6000),
      ...checksEvery(10, 0, 6000),
    ];
    const { sent, record, states } = live(events, config);
    const evacuations = sent.filter((s) => s.set === 'evacuate');
    // The second silence (from 1200) starts within the window of the first loss: suspect, not lost,
    // until the window since that loss (420 + 3600) has passed; then the silence counts
    expect(states.some((s) => s.at > 1200 && s.at < 4020 && s.state === 'lost')).toBe(false);
    expect(states.find((s) => s.at === 4010)?.state).toBe('suspect');
    expect(evacuations.map((s) => s.at)).toEqual([420, 4020]);
    // That second loss was short too (recovered at 5060): probation again, a window from it
    expect(record.probationUntil).toBe(isoAt(4020 + 3600));
  });

  it('a loss after the probation counts', () => {
    const config = settings({ recoveryStableSeconds: 60, flapWindowSeconds: 1800 });
    const events = [
      ...heartbeatsEvery(30, 0, 300),
      ...heartbeatsEvery(30, 1000, 1200),
      ...checksEvery(10, 0, 4000),
    ];
    const { sent } = live(events, config);
    // probation until 420 + 1800 = 2220: the silence since 1200 declares the site lost then
    expect(sent.filter((s) => s.set === 'evacuate').map((s) => s.at)).toEqual([420, 2220]);
  });
});

describe('site health: properties', () => {
  const lossAfter = fc.integer({ min: 4, max: 600 });

  it('heartbeats at most lossAfterSeconds/2 apart never lose the site', () => {
    fc.assert(
      fc.property(
        lossAfter,
        fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 80 }),
        (loss, gaps, checkFractions) => {
          const config = settings({ lossAfterSeconds: loss });
          let t = 0;
          const events: Event[] = [];
          for (const gap of gaps) {
            t += gap * (loss / 2);
            events.push({ kind: 'heartbeat', at: t });
          }
          for (const f of checkFractions) events.push({ kind: 'check', at: f * t });
          events.push({ kind: 'check', at: t });
          const { states, sent } = live(events, config);
          expect(states.every((s) => s.state !== 'lost')).toBe(true);
          expect(sent).toEqual([]);
        },
      ),
    );
  });

  it('a flapping site is never evacuated twice within the flap window', () => {
    fc.assert(
      fc.property(
        fc.record({
          loss: fc.integer({ min: 30, max: 300 }),
          stable: fc.integer({ min: 0, max: 600 }),
          window: fc.integer({ min: 0, max: 7200 }),
        }),
        // Up and down periods, in seconds: heartbeats every 10 s while up
        fc.array(fc.tuple(fc.integer({ min: 10, max: 1500 }), fc.integer({ min: 0, max: 1500 })), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer({ min: 5, max: 90 }),
        ({ loss, stable, window }, periods, checkEvery) => {
          const config = settings({
            lossAfterSeconds: loss,
            recoveryStableSeconds: stable,
            flapWindowSeconds: window,
          });
          const events: Event[] = [];
          let t = 0;
          for (const [up, down] of periods) {
            events.push(...heartbeatsEvery(10, t, t + up));
            t += up + down;
          }
          events.push(...checksEvery(checkEvery, 0, t + 2 * loss));
          const evacuations = live(events, config).sent.filter((s) => s.set === 'evacuate');
          for (let i = 1; i < evacuations.length; i++)
            expect((evacuations[i]?.at ?? 0) - (evacuations[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(window);
          // Each episode evacuates once and ends at most once
          const episodes = evacuations.map((s) => s.episode);
          expect(new Set(episodes).size).toBe(episodes.length);
        },
      ),
    );
  });

  it('heartbeats that stop for good lose the site exactly once', () => {
    fc.assert(
      fc.property(
        lossAfter,
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 120 }),
        (loss, beats, checkEvery) => {
          const config = settings({ lossAfterSeconds: loss });
          const last = beats;
          const { sent, record } = live(
            [...heartbeatsEvery(1, 0, last), ...checksEvery(checkEvery, 0, last + loss + 3 * checkEvery)],
            config,
          );
          expect(sent.map((s) => s.set)).toEqual(['evacuate']);
          expect(record.state).toBe('lost');
          // Not before lossAfterSeconds of silence, and within one check of it
          expect(sent[0]?.at).toBeGreaterThanOrEqual(last + loss);
          expect(sent[0]?.at).toBeLessThan(last + loss + checkEvery);
        },
      ),
    );
  });

  it('a failing witness never evacuates a site whose heartbeats arrive', () => {
    const config = settings({
      witness: { url: 'https://dc1.example/', timeoutSeconds: 5, expectStatus: 200 },
    });
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 100 }), (verdicts) => {
        const events: Event[] = [
          ...heartbeatsEvery(30, 0, verdicts.length * 60),
          ...verdicts.map(
            (ok, i): Event => ({ kind: 'check', at: i * 60 + 1, probe: probe(ok, i * 60 + 1) }),
          ),
        ];
        expect(live(events, config).sent).toEqual([]);
      }),
    );
  });
});

describe('site loss commands', () => {
  const config = aConfig({
    sites: [
      { id: 'onprem-dc1', kind: 'onprem', heartbeat: { lossAfterSeconds: 60 } },
      { id: 'onprem-dc2', kind: 'onprem' },
    ],
    workloads: [
      workloadDoc({ name: 'checkout-api' }),
      workloadDoc({ name: 'search-api' }),
      workloadDoc({ name: 'billing-api', homeSite: 'onprem-dc2' }),
    ],
  });
  const lost = assessSite(
    withHeartbeat(
      emptySiteRecord(SITE, at(0)),
      { site: SITE, at: isoAt(0), source: 'http' },
      settings(),
    ) as SiteRecord,
    at(200),
    settings(),
  ).next;

  it('evacuates every workload homed at the site, with ids derived from the site and the episode', () => {
    const commands = siteLossCommands(config, lost, 'evacuate');
    expect(commands.map((c) => c.workload)).toEqual(['checkout-api', 'search-api']);
    const id = lost.loss?.id;
    expect(commands[0]).toMatchObject({
      id: `sl-onprem-dc1-${id}-checkout-api-evacuate`,
      action: 'evacuate',
      requestedBy: 'site-loss',
      window: `sl-onprem-dc1-${id}`,
      exceedSpendGuard: true,
      issuedAt: isoAt(200),
    });
    expect(commands[0]?.reason).toMatch(
      /site onprem-dc1 lost, decided by heartbeats: no heartbeat for 200 s/,
    );
    expect(commands[0]?.reason).toMatch(/may exceed the spend guards/);
    // The same record gives the same commands: a second reconciler sends duplicates, not new ones
    expect(siteLossCommands(config, lost, 'evacuate')).toEqual(commands);
  });

  it('respects the spend guard when the site says so, and ends only its own evacuation', () => {
    const respect = {
      ...lost,
      loss: { ...(lost.loss as NonNullable<SiteRecord['loss']>), spendGuard: 'respect' as const },
    };
    const [evacuate] = siteLossCommands(config, respect, 'evacuate');
    expect(evacuate?.exceedSpendGuard).toBeUndefined();
    expect(evacuate?.reason).toMatch(/stays within the spend guards/);
    const recovered = declareRecovered(lost, { reason: 'power back', by: 'alice', now: at(900) }).next;
    const [end] = siteLossCommands(config, recovered, 'end');
    expect(end).toMatchObject({ action: 'end_evacuation', window: evacuate?.window, issuedAt: isoAt(900) });
    expect(end?.reason).toMatch(/declared recovered by alice: power back/);
  });

  it('an operator declares a site lost once, and the loss holds against returning heartbeats', () => {
    const config1 = settings();
    const healthy = withHeartbeat(
      emptySiteRecord(SITE, at(0)),
      { site: SITE, at: isoAt(0), source: 'http' },
      config1,
    ) as SiteRecord;
    const first = declareLost(healthy, { reason: 'fire alarm', by: 'bob', now: at(10) }, config1);
    expect(first.transition).toMatchObject({ to: 'lost' });
    expect(first.next.loss).toMatchObject({ decidedBy: 'operator', pinned: true });
    expect(declareLost(first.next, { reason: 'again', now: at(20) }, config1).changed).toBe(false);
    const later = withHeartbeat(
      first.next,
      { site: SITE, at: isoAt(30), source: 'http' },
      config1,
    ) as SiteRecord;
    expect(assessSite(later, at(2000), config1).next.state).toBe('lost');
    // Declared recovered: silence counts from then, so a site still silent is lost again later
    const back = declareRecovered(later, { reason: 'all clear', now: at(2000) }).next;
    expect(back.state).toBe('healthy');
    expect(declareRecovered(back, { reason: 'again', now: at(2010) }).changed).toBe(false);
    expect(assessSite(back, at(2100), config1).next.state).toBe('suspect');
    expect(assessSite(back, at(2120), config1).next.state).toBe('lost');
  });

  it('names the site a firing Watchdog speaks for', () => {
    const watched = aConfig({
      sites: [
        {
          id: 'onprem-dc1',
          kind: 'onprem',
          heartbeat: { alertmanagerWatchdog: true, watchdogLabels: { site: 'dc1' } },
        },
        {
          id: 'onprem-dc2',
          kind: 'onprem',
          heartbeat: { alertmanagerWatchdog: true, watchdogLabels: { site: 'dc2' } },
        },
      ],
      workloads: [workloadDoc(), workloadDoc({ name: 'search-api' })],
    });
    expect(watchdogSite(watched, { alertname: 'Watchdog', site: 'dc2' })).toBe('onprem-dc2');
    expect(watchdogSite(watched, { alertname: 'Watchdog', site: 'dc9' })).toBeUndefined();
    expect(watchdogSite(watched, { alertname: 'HighLatency', site: 'dc1' })).toBeUndefined();
  });
});
