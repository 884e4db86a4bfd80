import { describe, expect, it } from 'vitest';
import { normaliseAlertmanager } from '../../../src/core/normalise/alertmanager';
import {
  decide,
  MAX_APPLIED_KEYS,
  MAX_RESOLVED_ALERTS,
  MAX_STOPPED_TASKS,
  MAX_TRACKED_ALERTS,
  MEMORY_SECONDS,
} from '../../../src/core/policy';
import type { Signal } from '../../../src/core/signal';
import type { WorkloadState } from '../../../src/core/workload-state';
import {
  alertRecord,
  aState,
  aTask,
  at,
  aWorkload,
  burstRegionDoc,
  firing,
  fixture,
  isoAt,
  resolved,
  type StateSpec,
  T0_ISO,
} from '../factories';

const workload = aWorkload(workloadShape());

const LATENCY = 'alertmanager:fp-latency';
const ERRORS = 'alertmanager:fp-errors';

const running = (taskId: string, region: string, startedAt: number) =>
  aTask({ taskId, region, startedAt: isoAt(startedAt), status: 'running' });

/** The state after a decision was committed, as the store would return it. */
const committed = (next: WorkloadState): WorkloadState => ({ ...next, version: next.version + 1 });

describe('decide (policy)', () => {
  describe('when an alert fires', () => {
    it('scales out by scaleOutStep in the first burst region and records the launch as pending', () => {
      // Prepare
      const state = aState();
      const signal = firing(LATENCY, -10);

      // Act
      const { decision, next, changed } = decide({ workload, state, signals: [signal], now: at(0) });

      // Assess
      expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'us-west-2', count: 2 }] });
      expect(decision.reason).toBe(`1 alert(s) firing (${LATENCY}): start 2 in us-west-2`);
      expect(decision).toMatchObject({ workload: 'checkout-api', at: T0_ISO, liveTasks: 0, tick: false });
      expect(decision.firingAlerts).toEqual([LATENCY]);
      expect(decision.signals).toEqual([
        { id: signal.id, dedupKey: signal.dedupKey, state: 'firing', outcome: 'applied' },
      ]);
      expect(changed).toBe(true);
      expect(next.pendingLaunches).toEqual([
        {
          decisionId: decision.id,
          region: 'us-west-2',
          count: 2,
          requestedAt: T0_ISO,
          attempts: 0,
          // Where the launch's latency starts: when the signal that caused it was observed
          signalObservedAt: isoAt(-10),
        },
      ]);
      expect(next.lastScaleOutAt).toBe(T0_ISO);
      expect(next.alerts).toEqual({ [LATENCY]: { ...alertRecord('firing', -10), lastSeenAt: isoAt(0) } });
      // A signal is known again by its alert's record: `applied` remembers command ids only
      expect(next.applied).toEqual({});
      expect(next.version).toBe(state.version);
    });

    it('spills to the next burst region when the first reaches its maxTasks', () => {
      // Prepare
      const state = aState({ tasks: [running('a', 'us-west-2', -900), running('b', 'us-west-2', -800)] });

      // Act
      const { decision } = decide({ workload, state, signals: [firing(LATENCY, -10)], now: at(0) });

      // Assess
      expect(decision.action).toEqual({
        kind: 'scale_out',
        placements: [
          { region: 'us-west-2', count: 1 },
          { region: 'eu-west-1', count: 1 },
        ],
      });
      expect(decision.reason).toBe(`1 alert(s) firing (${LATENCY}): start 1 in us-west-2, 1 in eu-west-1`);
      expect(decision.liveTasks).toBe(2);
    });

    it('counts launches still pending against the region bounds', () => {
      // Prepare
      const state = aState({
        pendingLaunches: [
          { decisionId: 'd-earlier', region: 'us-west-2', count: 3, requestedAt: isoAt(-600), attempts: 0 },
        ],
        lastScaleOutAt: isoAt(-600),
      });

      // Act
      const { decision, next } = decide({ workload, state, signals: [firing(LATENCY, -10)], now: at(0) });

      // Assess
      expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'eu-west-1', count: 2 }] });
      expect(next.pendingLaunches.map((p) => [p.decisionId, p.region, p.count])).toEqual([
        ['d-earlier', 'us-west-2', 3],
        [decision.id, 'eu-west-1', 2],
      ]);
    });

    it('never asks for more than maxBurstTasks in total', () => {
      // Prepare: 4 of 5 live
      const state = aState({
        tasks: [
          running('a', 'us-west-2', -900),
          running('b', 'us-west-2', -800),
          running('c', 'us-west-2', -700),
          running('d', 'eu-west-1', -600),
        ],
      });

      // Act
      const { decision } = decide({ workload, state, signals: [firing(LATENCY, -10)], now: at(0) });

      // Assess
      expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'eu-west-1', count: 1 }] });
    });

    it('holds at maxBurstTasks and still records the alert', () => {
      // Prepare: 5 of 5 live, one of them a drain that failed (it may still run, so it counts)
      const state = aState({
        tasks: [
          running('a', 'us-west-2', -900),
          running('b', 'us-west-2', -800),
          running('c', 'us-west-2', -700),
          running('d', 'eu-west-1', -600),
          aTask({ taskId: 'e', region: 'eu-west-1', status: 'drain_failed' }),
        ],
      });
      const signal = firing(LATENCY, -10);

      // Act
      const { decision, next, changed } = decide({ workload, state, signals: [signal], now: at(0) });

      // Assess
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(decision.reason).toBe('1 alert(s) firing but at maxBurstTasks (5/5)');
      expect(changed).toBe(true);
      expect(next.pendingLaunches).toEqual([]);
      expect(next.lastScaleOutAt).toBeUndefined();
      expect(next.alerts[LATENCY]?.state).toBe('firing');
    });

    it('holds when every burst region is at its own maxTasks below the workload max', () => {
      // Prepare
      const small = aWorkload({
        burstRegions: [
          burstRegionDoc('us-west-2', { maxTasks: 1 }),
          burstRegionDoc('eu-west-1', { maxTasks: 1 }),
        ],
        maxBurstTasks: 5,
      });
      const state = aState({ tasks: [running('a', 'us-west-2', -900), running('b', 'eu-west-1', -800)] });

      // Act
      const { decision } = decide({ workload: small, state, signals: [firing(LATENCY, -10)], now: at(0) });

      // Assess
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(decision.reason).toBe(
        '1 alert(s) firing (alertmanager:fp-latency); not scaled out: every burst region is at its max',
      );
    });

    it('holds during the scale-out cooldown with a reason naming the time it ends', () => {
      // Prepare: scaled out 30 s ago for LATENCY; ERRORS fires now
      const state = aState({
        alerts: { [LATENCY]: alertRecord('firing', -40) },
        lastScaleOutAt: isoAt(-30),
        tasks: [running('a', 'us-west-2', -30), running('b', 'us-west-2', -30)],
      });

      // Act
      const { decision, next } = decide({ workload, state, signals: [firing(ERRORS, -5)], now: at(0) });

      // Assess
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(decision.reason).toBe(
        '2 alert(s) firing; not scaled out because cooldown until 2026-03-01T12:00:30.000Z',
      );
      expect(next.pendingLaunches).toEqual([]);
      expect(next.lastScaleOutAt).toBe(isoAt(-30));
    });

    it('scales out again on the periodic evaluation once the cooldown has ended', () => {
      // Prepare
      const state = aState({
        alerts: { [LATENCY]: alertRecord('firing', -40) },
        lastScaleOutAt: isoAt(-30),
        tasks: [running('a', 'us-west-2', -30), running('b', 'us-west-2', -30)],
      });

      // Act
      const during = decide({ workload, state, signals: [], now: at(29) });
      const after = decide({ workload, state, signals: [], now: at(30) });

      // Assess
      expect(during.decision.action).toEqual({ kind: 'hold' });
      expect(during.changed).toBe(false);
      expect(during.next).toBe(state);
      expect(after.decision.action).toEqual({
        kind: 'scale_out',
        placements: [
          { region: 'us-west-2', count: 1 },
          { region: 'eu-west-1', count: 1 },
        ],
      });
      expect(after.decision.tick).toBe(true);
      expect(after.changed).toBe(true);
    });
  });

  describe('when every alert has resolved', () => {
    const fourTasks = [
      running('a', 'us-west-2', -3000),
      running('b', 'us-west-2', -2000),
      running('c', 'eu-west-1', -2500),
      running('d', 'eu-west-1', -1500),
    ];
    const arnOf = (taskId: string, region: string) => aTask({ taskId, region }).taskArn;

    it('drains the least preferred region first, newest task first', () => {
      // Prepare
      const threeAtATime = aWorkload({ ...workloadShape(), scaleInStep: 3 });
      const state = aState({
        alerts: { [LATENCY]: alertRecord('firing', -1000) },
        lastScaleOutAt: isoAt(-1000),
        tasks: fourTasks,
      });

      // Act
      const { decision } = decide({
        workload: threeAtATime,
        state,
        signals: [resolved(LATENCY, -5)],
        now: at(0),
      });

      // Assess
      expect(decision.action).toEqual({
        kind: 'scale_in',
        tasks: [
          { taskArn: arnOf('d', 'eu-west-1'), region: 'eu-west-1' },
          { taskArn: arnOf('c', 'eu-west-1'), region: 'eu-west-1' },
          { taskArn: arnOf('b', 'us-west-2'), region: 'us-west-2' },
        ],
      });
      expect(decision.reason).toBe('no alert firing: draining 3 task(s) (4 live, floor 0)');
      expect(decision.firingAlerts).toEqual([]);
    });

    it('marks the chosen tasks drain_requested and stops none of them itself', () => {
      // Prepare
      const state = aState({
        alerts: { [LATENCY]: alertRecord('firing', -1000) },
        lastScaleOutAt: isoAt(-1000),
        tasks: fourTasks,
      });

      // Act
      const { next, changed } = decide({ workload, state, signals: [resolved(LATENCY, -5)], now: at(0) });

      // Assess: scaleInStep 1 drains the newest eu-west-1 task only
      expect(changed).toBe(true);
      expect(Object.values(next.tasks).map((t) => [t.taskId, t.status, t.drainRequestedAt])).toEqual([
        ['a', 'running', undefined],
        ['b', 'running', undefined],
        ['c', 'running', undefined],
        ['d', 'drain_requested', T0_ISO],
      ]);
      expect(next.lastScaleInAt).toBe(T0_ISO);
      expect(next.lastScaleOutAt).toBe(isoAt(-1000));
    });

    it('waits scaleInCooldownSeconds after the last scale-out, naming the time', () => {
      // Prepare
      const state = aState({
        alerts: { [LATENCY]: alertRecord('firing', -200) },
        lastScaleOutAt: isoAt(-100),
        tasks: fourTasks,
      });

      // Act
      const { decision, next } = decide({ workload, state, signals: [resolved(LATENCY, -5)], now: at(0) });

      // Assess
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(decision.reason).toBe(
        'no alert firing; not scaled in because cooldown until 2026-03-01T12:03:20.000Z',
      );
      expect(Object.values(next.tasks).every((t) => t.status === 'running')).toBe(true);
    });

    it('measures the scale-in cooldown from the latest scale action of either kind', () => {
      // Prepare
      const state = aState({ lastScaleOutAt: isoAt(-1000), lastScaleInAt: isoAt(-60), tasks: fourTasks });

      // Act
      const during = decide({ workload, state, signals: [], now: at(0) });
      const after = decide({ workload, state, signals: [], now: at(240) });

      // Assess
      expect(during.decision.reason).toBe(
        'no alert firing; not scaled in because cooldown until 2026-03-01T12:04:00.000Z',
      );
      expect(after.decision.action.kind).toBe('scale_in');
    });

    it('never drains below minBurstTasks', () => {
      // Prepare
      const floorOfTwo = aWorkload({ ...workloadShape(), minBurstTasks: 2, scaleInStep: 3 });
      const state = aState({ lastScaleOutAt: isoAt(-1000), tasks: fourTasks.slice(0, 3) });

      // Act
      const { decision } = decide({ workload: floorOfTwo, state, signals: [], now: at(0) });

      // Assess
      expect(decision.action).toEqual({
        kind: 'scale_in',
        tasks: [{ taskArn: arnOf('c', 'eu-west-1'), region: 'eu-west-1' }],
      });
      expect(decision.reason).toBe('no alert firing: draining 1 task(s) (3 live, floor 2)');
    });

    it('holds at minBurstTasks running tasks', () => {
      // Prepare
      const floorOfTwo = aWorkload({ ...workloadShape(), minBurstTasks: 2 });
      const state = aState({ lastScaleOutAt: isoAt(-1000), tasks: fourTasks.slice(0, 2) });

      // Act
      const { decision, changed } = decide({ workload: floorOfTwo, state, signals: [], now: at(0) });

      // Assess
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(decision.reason).toBe('no alert firing; nothing left to drain');
      expect(changed).toBe(false);
    });

    // BUG (reported): tasks already being drained still count towards the floor, so when a drain
    // outlasts scaleInCooldownSeconds the next evaluation drains one more running task, and the
    // workload ends below minBurstTasks once the drains finish (then the floor starts new tasks).
    it('does not drain further while earlier drains already bring the workload down to minBurstTasks', () => {
      // Prepare: min 2; three running; the first scale-in drains one of them
      const floorOfTwo = aWorkload({ ...workloadShape(), minBurstTasks: 2, scaleInStep: 3 });
      const state = aState({ lastScaleOutAt: isoAt(-1000), tasks: fourTasks.slice(0, 3) });
      const first = decide({ workload: floorOfTwo, state, signals: [], now: at(0) });

      // Act: the cooldown has passed, the drained task is still draining
      const second = decide({
        workload: floorOfTwo,
        state: committed(first.next),
        signals: [],
        now: at(400),
      });

      // Assess: two tasks will remain once the drain finishes, which is the floor
      expect(second.decision.action).toEqual({ kind: 'hold' });
      expect(Object.values(second.next.tasks).filter((t) => t.status === 'running')).toHaveLength(2);
    });

    it('does not pick tasks that are already draining or launches still pending', () => {
      // Prepare
      const state = aState({
        lastScaleOutAt: isoAt(-1000),
        pendingLaunches: [
          { decisionId: 'd-x', region: 'us-west-2', count: 2, requestedAt: isoAt(-1000), attempts: 0 },
        ],
        tasks: [
          aTask({ taskId: 'a', status: 'draining' }),
          aTask({ taskId: 'b', status: 'drain_requested' }),
          aTask({ taskId: 'c', status: 'stopped', stoppedAt: isoAt(-50) }),
        ],
      });

      // Act
      const { decision, changed } = decide({ workload, state, signals: [], now: at(0) });

      // Assess
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(decision.reason).toBe('no alert firing; nothing left to drain');
      expect(decision.liveTasks).toBe(4);
      expect(changed).toBe(false);
    });

    it('holds and writes nothing when there are no burst tasks and no alerts', () => {
      // Prepare
      const state = aState();

      // Act
      const result = decide({ workload, state, signals: [], now: at(0) });

      // Assess
      expect(result.decision.action).toEqual({ kind: 'hold' });
      expect(result.decision.reason).toBe('no alert firing and no burst tasks');
      expect(result.decision.tick).toBe(true);
      expect(result.changed).toBe(false);
      expect(result.next).toBe(state);
    });
  });

  describe('with several alerts', () => {
    it('scales in only once every alert has resolved', () => {
      // Prepare: at max, two alerts firing
      const state = aState({
        alerts: { [LATENCY]: alertRecord('firing', -2000), [ERRORS]: alertRecord('firing', -1900) },
        lastScaleOutAt: isoAt(-1000),
        tasks: [
          running('a', 'us-west-2', -1500),
          running('b', 'us-west-2', -1400),
          running('c', 'us-west-2', -1300),
          running('d', 'eu-west-1', -1200),
          running('e', 'eu-west-1', -1100),
        ],
      });

      // Act
      const first = decide({ workload, state, signals: [resolved(LATENCY, -20)], now: at(0) });
      const second = decide({
        workload,
        state: committed(first.next),
        signals: [resolved(ERRORS, -10)],
        now: at(5),
      });

      // Assess
      expect(first.decision.action).toEqual({ kind: 'hold' });
      expect(first.decision.reason).toBe('1 alert(s) firing but at maxBurstTasks (5/5)');
      expect(first.decision.firingAlerts).toEqual([ERRORS]);
      expect(second.decision.action).toEqual({
        kind: 'scale_in',
        tasks: [{ taskArn: aTask({ taskId: 'e', region: 'eu-west-1' }).taskArn, region: 'eu-west-1' }],
      });
      expect(second.decision.firingAlerts).toEqual([]);
    });

    it('lists the firing alerts sorted in the decision', () => {
      // Prepare
      const state = aState({
        alerts: { [LATENCY]: alertRecord('firing', -100) },
        lastScaleOutAt: isoAt(-20),
      });

      // Act
      const { decision } = decide({ workload, state, signals: [firing(ERRORS, -10)], now: at(0) });

      // Assess
      expect(decision.firingAlerts).toEqual([ERRORS, LATENCY]);
    });
  });

  describe('duplicates and stale signals', () => {
    it('ignores a duplicate signal: action ignored, state unchanged', () => {
      // Prepare
      const signal = firing(LATENCY, -10);
      const first = decide({ workload, state: aState(), signals: [signal], now: at(0) });
      const stored = committed(first.next);

      // Act
      const again = decide({ workload, state: stored, signals: [signal], now: at(120) });

      // Assess
      expect(again.decision.action).toEqual({ kind: 'ignored' });
      expect(again.decision.reason).toBe('ignored: 1 duplicate signal(s) already applied');
      expect(again.decision.signals).toEqual([
        { id: signal.id, dedupKey: signal.dedupKey, state: 'firing', outcome: 'duplicate' },
      ]);
      expect(again.changed).toBe(false);
      expect(again.next).toBe(stored);
    });

    it('ignores a redelivery even when the policy would otherwise act (cooldown over, room left)', () => {
      // Prepare: the first delivery scaled out; a redelivery an hour later must not scale out again
      const signal = firing(LATENCY, -10);
      const first = decide({ workload, state: aState(), signals: [signal], now: at(0) });

      // Act
      const again = decide({ workload, state: committed(first.next), signals: [signal], now: at(3600) });

      // Assess
      expect(again.decision.action).toEqual({ kind: 'ignored' });
      expect(again.next.pendingLaunches).toHaveLength(1);
    });

    it('ignores a signal older than what its alert already applied, and says it is stale', () => {
      // Prepare
      const state = aState({ alerts: { [LATENCY]: alertRecord('resolved', -100) } });
      const late = firing(LATENCY, -200);

      // Act
      const { decision, changed, next } = decide({ workload, state, signals: [late], now: at(0) });

      // Assess
      expect(decision.action).toEqual({ kind: 'ignored' });
      expect(decision.reason).toBe('ignored: 1 stale signal(s) older than the state already applied');
      expect(decision.signals).toEqual([
        { id: late.id, dedupKey: late.dedupKey, state: 'firing', outcome: 'stale' },
      ]);
      expect(changed).toBe(false);
      expect(next).toBe(state);
    });

    it('names both kinds when a batch holds only duplicates and stale signals', () => {
      // Prepare
      const applied = firing(ERRORS, -50);
      const state = aState({
        alerts: { [LATENCY]: alertRecord('resolved', -100), [ERRORS]: alertRecord('firing', -50) },
        applied: { [applied.dedupKey]: isoAt(3600) },
      });

      // Act
      const { decision } = decide({ workload, state, signals: [applied, firing(LATENCY, -200)], now: at(0) });

      // Assess
      expect(decision.reason).toBe(
        'ignored: 1 duplicate signal(s) already applied; 1 stale signal(s) older than the state already applied',
      );
    });

    it('treats the firing twin that arrives after its resolution as stale (Alertmanager fixtures)', () => {
      // Prepare: normalise the resolved and firing deliveries of one alert
      const mapping = { workloadLabel: 'workload', knownWorkloads: new Set(['checkout-api']) };
      const signalsOf = (body: unknown): readonly Signal[] => {
        const result = normaliseAlertmanager(body, mapping, at(0));
        if (!result.ok) throw new Error(result.message);
        return result.signals;
      };
      const resolvedSignals = signalsOf(fixture('alertmanager/webhook-v4-resolved.json'));
      const firingSignals = signalsOf(fixture('alertmanager/webhook-v4-firing.json'));

      // Act: the resolution is delivered first, the firing notification late
      const first = decide({ workload, state: aState(), signals: resolvedSignals, now: at(0) });
      const second = decide({ workload, state: committed(first.next), signals: firingSignals, now: at(1) });

      // Assess
      expect(first.decision.signals.map((s) => s.outcome)).toEqual(['applied']);
      expect(first.decision.action).toEqual({ kind: 'hold' });
      expect(second.decision.action).toEqual({ kind: 'ignored' });
      expect(second.decision.signals.map((s) => s.outcome)).toEqual(['stale']);
      expect(second.decision.firingAlerts).toEqual([]);
      expect(second.changed).toBe(false);
    });

    it('applies the signals of one batch in the order they were observed, not received', () => {
      // Prepare
      const later = resolved(LATENCY, -10);
      const earlier = firing(LATENCY, -60);

      // Act
      const { decision, next } = decide({ workload, state: aState(), signals: [later, earlier], now: at(0) });

      // Assess
      expect(decision.signals.map((s) => [s.state, s.outcome])).toEqual([
        ['firing', 'applied'],
        ['resolved', 'applied'],
      ]);
      expect(next.alerts[LATENCY]).toEqual(alertRecord('resolved', -10));
      expect(decision.action).toEqual({ kind: 'hold' });
    });

    it('acts on the new signal of a batch that also carries a duplicate', () => {
      // Prepare
      const old = firing(LATENCY, -500);
      const state = aState({
        alerts: { [LATENCY]: alertRecord('firing', -500) },
        applied: { [old.dedupKey]: isoAt(3600) },
        lastScaleOutAt: isoAt(-400),
      });

      // Act
      const { decision } = decide({ workload, state, signals: [old, firing(ERRORS, -5)], now: at(0) });

      // Assess
      expect(decision.signals.map((s) => s.outcome)).toEqual(['duplicate', 'applied']);
      expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'us-west-2', count: 2 }] });
    });
  });

  describe('replacing lost tasks', () => {
    /** Four tasks were wanted; two died on their own. Scaled out 10 s ago (cooldown running). */
    const lostTwo = (spec: StateSpec = {}) =>
      aState({
        desiredTasks: 4,
        alerts: { [LATENCY]: alertRecord('firing', -1000) },
        lastScaleOutAt: isoAt(-10),
        tasks: [
          running('a', 'us-west-2', -900),
          running('b', 'us-west-2', -900),
          aTask({ taskId: 'c', region: 'us-west-2', status: 'stopped', stoppedAt: isoAt(-30) }),
          aTask({ taskId: 'd', region: 'eu-west-1', status: 'stopped', stoppedAt: isoAt(-20) }),
        ],
        ...spec,
      });

    it('replaces tasks that stopped on their own while alerts fire, regardless of the cooldown', () => {
      // Act
      const { decision, next } = decide({ workload, state: lostTwo(), signals: [], now: at(0) });

      // Assess
      expect(decision.action).toEqual({
        kind: 'scale_out',
        placements: [
          { region: 'us-west-2', count: 1 },
          { region: 'eu-west-1', count: 1 },
        ],
      });
      expect(decision.reason).toBe(
        'replacing 2 burst task(s) that stopped on their own while 1 alert(s) fire: start 1 in us-west-2, 1 in eu-west-1',
      );
      expect(next.replacements).toEqual([T0_ISO]);
      expect(next.lastScaleOutAt).toBe(isoAt(-10));
      expect(next.desiredTasks).toBe(4);
    });

    it('stops replacing in a crash loop and names the time it will try again', () => {
      // Prepare
      const state = lostTwo({ replacements: [isoAt(-300), isoAt(-200), isoAt(-100)] });

      // Act
      const during = decide({ workload, state, signals: [], now: at(0) });
      const after = decide({ workload, state, signals: [], now: at(300) });

      // Assess
      expect(during.decision.action).toEqual({ kind: 'hold' });
      expect(during.decision.reason).toBe(
        `crash loop: 3 replacements since ${isoAt(-300)}; 2 lost task(s) not replaced until 2026-03-01T12:05:00.000Z`,
      );
      expect(after.decision.action.kind).toBe('scale_out');
    });

    it('does not replace lost tasks once no alert fires: the aim drops to what is left', () => {
      // Prepare
      const state = lostTwo({ alerts: { [LATENCY]: alertRecord('resolved', -5) } });

      // Act
      const { decision, next, changed } = decide({ workload, state, signals: [], now: at(0) });

      // Assess
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(next.desiredTasks).toBe(2);
      expect(changed).toBe(true);
    });

    it('waits for launches still pending before counting tasks as lost', () => {
      // Prepare
      const state = lostTwo({
        pendingLaunches: [
          { decisionId: 'd-x', region: 'eu-west-1', count: 1, requestedAt: isoAt(-10), attempts: 0 },
        ],
      });

      // Act
      const { decision } = decide({ workload, state, signals: [], now: at(0) });

      // Assess
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(decision.reason).toMatch(/not scaled out because cooldown until/);
    });
  });

  describe('minBurstTasks floor', () => {
    const floorOfTwo = aWorkload({ ...workloadShape(), minBurstTasks: 2 });

    it('starts tasks up to minBurstTasks on a periodic evaluation, with no alert firing', () => {
      // Prepare
      const state = aState();

      // Act
      const { decision, next, changed } = decide({ workload: floorOfTwo, state, signals: [], now: at(0) });

      // Assess
      expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'us-west-2', count: 2 }] });
      expect(decision.reason).toBe('below minBurstTasks (0/2): start 2 in us-west-2');
      expect(decision.tick).toBe(true);
      expect(changed).toBe(true);
      expect(next.pendingLaunches.map((p) => p.count)).toEqual([2]);
    });

    it('refills the floor regardless of the scale-out cooldown', () => {
      // Prepare: one task of two died right after a scale-out
      const state = aState({
        lastScaleOutAt: isoAt(-1),
        tasks: [
          running('a', 'us-west-2', -1),
          aTask({ taskId: 'b', status: 'stopped', stoppedAt: isoAt(0) }),
        ],
      });

      // Act
      const { decision } = decide({ workload: floorOfTwo, state, signals: [], now: at(0) });

      // Assess
      expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'us-west-2', count: 1 }] });
      expect(decision.reason).toBe('below minBurstTasks (1/2): start 1 in us-west-2');
    });

    it('holds with a reason when the floor cannot be placed anywhere', () => {
      // Prepare
      const cramped = aWorkload({
        burstRegions: [burstRegionDoc('us-west-2', { maxTasks: 1 })],
        minBurstTasks: 2,
      });
      const state = aState({ tasks: [running('a', 'us-west-2', -100)] });

      // Act
      const { decision } = decide({ workload: cramped, state, signals: [], now: at(0) });

      // Assess
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(decision.reason).toBe(
        'below minBurstTasks (1/2); not scaled out: every burst region is at its max',
      );
    });
  });

  describe('determinism', () => {
    const state = aState({ tasks: [running('a', 'us-west-2', -900)] });
    const signals = [firing(LATENCY, -30), firing(ERRORS, -20)];

    it('gives the same decision, id included, for the same inputs', () => {
      // Act
      const one = decide({ workload, state, signals, now: at(0) });
      const two = decide({ workload, state: structuredClone(state), signals: [...signals], now: at(0) });

      // Assess
      expect(two).toEqual(one);
      expect(one.decision.id).toMatch(/^d-[0-9a-f]{24}$/);
    });

    it('gives the same decision whatever order the signals arrive in', () => {
      // Act
      const one = decide({ workload, state, signals, now: at(0) });
      const two = decide({ workload, state, signals: [...signals].reverse(), now: at(0) });

      // Assess
      expect(two).toEqual(one);
    });

    it('gives a different decision id for a different state version', () => {
      // Act
      const one = decide({ workload, state, signals, now: at(0) });
      const two = decide({ workload, state: { ...state, version: state.version + 1 }, signals, now: at(0) });

      // Assess
      expect(two.decision.id).not.toBe(one.decision.id);
      expect(two.decision.action).toEqual(one.decision.action);
    });

    it('does not modify its input state', () => {
      // Prepare
      const before = structuredClone(state);

      // Act
      decide({ workload, state, signals, now: at(0) });

      // Assess
      expect(state).toEqual(before);
    });
  });

  describe('memory', () => {
    it("takes a redelivered resolution of a storm's summarised alert off the count once, even once its record is dropped", () => {
      // Prepare: five firing alerts summarised beyond the cap; one of them resolves
      const storm = {
        alerts: 5,
        severity: 'critical' as const,
        since: isoAt(-600),
        newest: isoAt(-300),
        lastSeenAt: isoAt(-60),
      };
      const state = aState({ alertOverflow: storm });
      const resolution = resolved('am:summarised-1', -10);
      const first = decide({ workload, state, signals: [resolution], now: at(0) });
      // The cap drops resolved records first: the stored state may keep nothing of this one
      const { [resolution.alertKey]: _dropped, ...alerts } = first.next.alerts;
      const stored = { ...first.next, alerts, version: first.next.version + 1 };

      // Act
      const again = decide({ workload, state: stored, signals: [resolution], now: at(5) });

      // Assess
      expect(first.next.alertOverflow?.alerts).toBe(4);
      expect(again.decision.signals.map((o) => o.outcome)).toEqual(['duplicate']);
      expect(again.changed).toBe(false);
      expect(again.next.alertOverflow?.alerts).toBe(4);
    });

    it('recognises a redelivery whose dedup key it has forgotten by its alert state and time', () => {
      // Prepare: the alert is recorded, its dedup key trimmed away
      const signal = firing(LATENCY, -10);
      const state = aState({ alerts: { [LATENCY]: alertRecord('firing', -10) }, applied: {} });

      // Act
      const { decision, changed } = decide({ workload, state, signals: [signal], now: at(0) });

      // Assess
      expect(decision.action).toEqual({ kind: 'ignored' });
      expect(decision.signals.map((s) => s.outcome)).toEqual(['duplicate']);
      expect(changed).toBe(false);
    });

    it('caps what one state remembers: newest entries kept, every firing alert kept or counted, forgotten alerts marked', () => {
      // Prepare: more dedup keys, resolved alerts and stopped tasks than the caps, and 300 firing alerts
      const many = (n: number) => Array.from({ length: n }, (_, i) => i);
      const state = aState({
        applied: Object.fromEntries(many(MAX_APPLIED_KEYS + 44).map((i) => [`key-${i}`, isoAt(60 + i)])),
        alerts: Object.fromEntries([
          ...many(MAX_RESOLVED_ALERTS + 44).map((i) => [
            `am:resolved-${i}`,
            alertRecord('resolved', -3600 + i),
          ]),
          ...many(300).map((i) => [
            `am:firing-${i}`,
            { ...alertRecord('firing', -7200), severity: 'critical' as const },
          ]),
        ]),
        tasks: [
          ...many(MAX_STOPPED_TASKS + 20).map((i) =>
            aTask({ taskId: `stopped-${i}`, status: 'stopped', stoppedAt: isoAt(-3600 + i) }),
          ),
          aTask({ taskId: 'running', status: 'running' }),
        ],
      });
      const signal = resolved('am:new', -1);

      // Act
      const { next } = decide({ workload, state, signals: [signal], now: at(0) });

      // Assess
      const applied = Object.keys(next.applied);
      expect(applied.length).toBeLessThanOrEqual(MAX_APPLIED_KEYS);
      expect(applied).toContain(`key-${MAX_APPLIED_KEYS + 43}`);
      expect(applied).not.toContain('key-0');
      const alerts = Object.entries(next.alerts);
      expect(alerts.length).toBeLessThanOrEqual(MAX_TRACKED_ALERTS);
      // Resolved records go first; the firing ones beyond the cap are counted, never lost
      const firingKept = alerts.filter(([, a]) => a.state === 'firing').length;
      expect(firingKept + (next.alertOverflow?.alerts ?? 0)).toBe(300);
      expect(next.alertOverflow?.severity).toBe('critical');
      // A forgotten resolution still refuses a replay of what it ended
      expect(alerts.map(([key]) => key)).not.toContain('am:resolved-0');
      const replay = decide({
        workload,
        state: { ...next, version: 1 },
        signals: [firing('am:resolved-0', -3600 - 60)],
        now: at(1),
      });
      expect(replay.decision.signals.map((o) => o.outcome)).toEqual(['stale']);
      const stopped = Object.values(next.tasks).filter((t) => t.status === 'stopped');
      expect(stopped.length).toBeLessThanOrEqual(MAX_STOPPED_TASKS);
      expect(stopped.map((t) => t.taskId)).toContain(`stopped-${MAX_STOPPED_TASKS + 19}`);
      expect(stopped.map((t) => t.taskId)).not.toContain('stopped-0');
      expect(next.tasks.running?.status).toBe('running');
    });

    it('forgets expired dedup keys, old resolved alerts and old stopped tasks, but keeps firing alerts', () => {
      // Prepare
      const horizon = -MEMORY_SECONDS;
      const state = aState({
        applied: { expired: isoAt(-1), kept: isoAt(60) },
        alerts: {
          'am:old-resolved': alertRecord('resolved', horizon - 1),
          'am:recent-resolved': alertRecord('resolved', horizon + 60),
          'am:old-firing': alertRecord('firing', horizon - 3600),
        },
        tasks: [
          aTask({ taskId: 'gone', status: 'stopped', stoppedAt: isoAt(horizon - 1) }),
          aTask({ taskId: 'recent', status: 'stopped', stoppedAt: isoAt(horizon + 60) }),
        ],
      });

      // Act: a new signal makes the state worth writing
      const { next } = decide({ workload, state, signals: [resolved('am:other', -1)], now: at(0) });

      // Assess
      expect(Object.keys(next.applied)).toEqual(['kept']);
      expect(Object.keys(next.alerts).sort()).toEqual(['am:old-firing', 'am:other', 'am:recent-resolved']);
      expect(Object.keys(next.tasks)).toEqual(['recent']);
    });
  });
});

/** us-west-2 (room for 3) then eu-west-1; at most 5 burst tasks; out by 2, in by 1. */
function workloadShape() {
  return {
    burstRegions: [burstRegionDoc('us-west-2', { maxTasks: 3 }), burstRegionDoc('eu-west-1')],
    minBurstTasks: 0,
    maxBurstTasks: 5,
    scaleOutStep: 2,
    scaleInStep: 1,
    scaleOutCooldownSeconds: 60,
    scaleInCooldownSeconds: 300,
  };
}
