import { describe, expect, it } from 'vitest';
import { commandDedupKey } from '../../../src/core/command';
import { decide, MEMORY_SECONDS } from '../../../src/core/policy';
import type { WorkloadState } from '../../../src/core/workload-state';
import {
  aCommand,
  alertRecord,
  aState,
  aTask,
  at,
  aWorkload,
  burstRegionDoc,
  firing,
  isoAt,
  resolved,
} from '../factories';

// checkout-api: us-west-2 then eu-west-1, max 6, scaleOutStep 2, scale-in cooldown 300 s.
const workload = aWorkload();
const LATENCY = 'alertmanager:fp-latency';

const running = (taskId: string, region = 'us-west-2', startedAt = -3600) =>
  aTask({ taskId, region, startedAt: isoAt(startedAt), status: 'running' });

/** The state after a decision was committed, as the store would return it. */
const committed = (next: WorkloadState): WorkloadState => ({ ...next, version: next.version + 1 });

describe('decide (policy) with operator commands', () => {
  describe('burst N', () => {
    it('scales out N tasks with the operator and the reason in the decision log', () => {
      // Act
      const { decision, next } = decide({
        workload,
        state: aState(),
        signals: [],
        commands: [aCommand({ action: 'burst', count: 3 })],
        now: at(0),
      });

      // Assess
      expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'us-west-2', count: 3 }] });
      expect(decision.reason).toBe(
        'operator burst 3 by sre-alice ("peak sale traffic"): start 3 in us-west-2',
      );
      expect(decision.commands).toEqual([{ id: 'cmd-burst-0', action: 'burst', outcome: 'applied' }]);
      expect(decision.tick).toBe(false);
      expect(next.pendingLaunches.map((p) => p.count)).toEqual([3]);
      expect(next.desiredTasks).toBe(3);
      expect(next.lastScaleOutAt).toBe(isoAt(0));
      expect(next.applied[commandDedupKey('cmd-burst-0')]).toBe(isoAt(MEMORY_SECONDS));
    });

    it('is bounded by maxBurstTasks and by each region max, and says so', () => {
      // Prepare: us-west-2 holds at most 2; 1 already runs there
      const bounded = aWorkload({
        burstRegions: [
          burstRegionDoc('us-west-2', { maxTasks: 2 }),
          burstRegionDoc('eu-west-1', { maxTasks: 2 }),
        ],
      });
      const state = aState({ tasks: [running('a')] });

      // Act
      const { decision } = decide({
        workload: bounded,
        state,
        signals: [],
        commands: [aCommand({ action: 'burst', count: 50 })],
        now: at(0),
      });

      // Assess
      expect(decision.action).toEqual({
        kind: 'scale_out',
        placements: [
          { region: 'us-west-2', count: 1 },
          { region: 'eu-west-1', count: 2 },
        ],
      });
      expect(decision.reason).toMatch(/bounded from 50 by the max$/);
    });

    it('is not drained by the next periodic evaluation before the scale-in cooldown has passed', () => {
      // Prepare: the burst committed and launched
      const burst = decide({
        workload,
        state: aState(),
        signals: [],
        commands: [aCommand({ action: 'burst', count: 2 })],
        now: at(0),
      });
      const launched = committed({
        ...burst.next,
        pendingLaunches: [],
        tasks: { a: running('a', 'us-west-2', 0), b: running('b', 'us-west-2', 0) },
      });

      // Act
      const early = decide({ workload, state: launched, signals: [], now: at(299) });
      const later = decide({ workload, state: launched, signals: [], now: at(300) });

      // Assess
      expect(early.decision.action).toEqual({ kind: 'hold' });
      expect(early.decision.reason).toMatch(/cooldown until 2026-03-01T12:05:00.000Z/);
      expect(later.decision.action.kind).toBe('scale_in');
    });
  });

  describe('drain N and drain all', () => {
    it('marks only running tasks drain_requested, newest in the least preferred region first', () => {
      // Prepare
      const state = aState({
        tasks: [
          running('a', 'us-west-2', -900),
          running('b', 'eu-west-1', -800),
          running('c', 'us-west-2', -100),
          aTask({ taskId: 'd', status: 'draining' }),
        ],
      });

      // Act
      const { decision, next } = decide({
        workload,
        state,
        signals: [],
        commands: [aCommand({ action: 'drain', count: 2, reason: 'end of sale' })],
        now: at(0),
      });

      // Assess
      expect(decision.action.kind).toBe('scale_in');
      expect(decision.reason).toMatch(/^operator drain 2 by sre-alice \("end of sale"\): draining 2 task/);
      expect(Object.values(next.tasks).map((t) => [t.taskId, t.status])).toEqual([
        ['a', 'running'],
        ['b', 'drain_requested'],
        ['c', 'drain_requested'],
        ['d', 'draining'],
      ]);
      expect(next.pendingLaunches).toEqual([]);
    });

    it('drain all drains every running task down to minBurstTasks, even while alerts fire', () => {
      // Prepare
      const floor = aWorkload({ minBurstTasks: 1 });
      const state = aState({
        alerts: { [LATENCY]: alertRecord('firing', -60) },
        tasks: [
          running('a', 'us-west-2', -900),
          running('b', 'us-west-2', -800),
          running('c', 'eu-west-1', -700),
        ],
      });

      // Act
      const { decision, next } = decide({
        workload: floor,
        state,
        signals: [],
        commands: [aCommand({ action: 'drain_all' })],
        now: at(0),
      });

      // Assess
      expect(decision.action.kind).toBe('scale_in');
      expect(Object.values(next.tasks).filter((t) => t.status === 'drain_requested')).toHaveLength(2);
      expect(
        Object.values(next.tasks)
          .filter((t) => t.status === 'running')
          .map((t) => t.taskId),
      ).toEqual(['a']);
    });
  });

  describe('idempotency', () => {
    it('applies a command id once: the same command again is ignored and changes nothing', () => {
      // Prepare
      const command = aCommand({ action: 'burst', count: 2 });
      const first = decide({ workload, state: aState(), signals: [], commands: [command], now: at(0) });
      const stored = committed(first.next);

      // Act
      const again = decide({ workload, state: stored, signals: [], commands: [command], now: at(120) });

      // Assess
      expect(again.decision.action).toEqual({ kind: 'ignored' });
      expect(again.decision.reason).toBe('ignored: 1 operator command(s) already applied');
      expect(again.decision.commands).toEqual([{ id: command.id, action: 'burst', outcome: 'duplicate' }]);
      expect(again.changed).toBe(false);
      expect(again.next).toBe(stored);
    });

    it('applies the same id twice in one batch once', () => {
      const command = aCommand({ action: 'burst', count: 2 });
      const { decision } = decide({
        workload,
        state: aState(),
        signals: [],
        commands: [command, command],
        now: at(0),
      });
      expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'us-west-2', count: 2 }] });
      expect(decision.commands?.map((c) => c.outcome)).toEqual(['applied', 'duplicate']);
    });
  });

  describe('pause', () => {
    const pause = (until?: number) =>
      aCommand({
        action: 'pause',
        reason: 'incident 42',
        ...(until !== undefined ? { until: isoAt(until) } : {}),
      });
    const pausedState = (until?: number, spec: Parameters<typeof aState>[0] = {}) =>
      committed(
        decide({ workload, state: aState(spec), signals: [], commands: [pause(until)], now: at(-10) }).next,
      );

    it('stops scale-out on a firing alert and says why', () => {
      const { decision, next } = decide({
        workload,
        state: pausedState(),
        signals: [firing(LATENCY, -5)],
        now: at(0),
      });
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(decision.reason).toBe(
        `1 alert(s) firing but paused since ${isoAt(-10)} by sre-alice ("incident 42"): no new tasks`,
      );
      expect(next.pendingLaunches).toEqual([]);
    });

    it('stops replacements of lost tasks and the minBurstTasks floor', () => {
      // Prepare: 2 desired, 1 left, an alert firing
      const state = pausedState(undefined, {
        alerts: { [LATENCY]: alertRecord('firing', -600) },
        desiredTasks: 2,
        lastScaleOutAt: isoAt(-600),
        tasks: [running('a'), aTask({ taskId: 'b', status: 'stopped', stoppedAt: isoAt(-30) })],
      });

      // Act
      const tick = decide({ workload, state, signals: [], now: at(0) });
      const floor = decide({ workload: aWorkload({ minBurstTasks: 3 }), state, signals: [], now: at(0) });

      // Assess
      expect(tick.decision.action).toEqual({ kind: 'hold' });
      expect(tick.next.pendingLaunches).toEqual([]);
      expect(floor.decision.action).toEqual({ kind: 'hold' });
      expect(floor.decision.reason).toMatch(/^below minBurstTasks \(1\/3\) but paused/);
    });

    it('stops a manual burst too', () => {
      const { decision } = decide({
        workload,
        state: pausedState(),
        signals: [],
        commands: [aCommand({ action: 'burst', count: 2 })],
        now: at(0),
      });
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(decision.reason).toMatch(
        /^operator burst 2 by sre-alice \("peak sale traffic"\): not started: paused/,
      );
    });

    it('lets drains continue: resolved alerts still scale in', () => {
      const state = pausedState(undefined, {
        alerts: { [LATENCY]: alertRecord('firing', -900) },
        lastScaleOutAt: isoAt(-900),
        tasks: [running('a'), running('b')],
      });
      const { decision, next } = decide({ workload, state, signals: [resolved(LATENCY, -5)], now: at(0) });
      expect(decision.action.kind).toBe('scale_in');
      expect(Object.values(next.tasks).map((t) => t.status)).toContain('drain_requested');
    });

    it('ends by itself at its expiry', () => {
      // Prepare: paused until T0 + 60 s
      const state = pausedState(60);

      // Act
      const before = decide({ workload, state, signals: [firing(LATENCY, 30)], now: at(30) });
      const after = decide({ workload, state, signals: [firing(LATENCY, 60)], now: at(60) });

      // Assess
      expect(before.decision.action).toEqual({ kind: 'hold' });
      expect(before.decision.reason).toMatch(/until 2026-03-01T12:01:00.000Z/);
      expect(after.decision.action.kind).toBe('scale_out');
      expect(after.next.paused).toBeUndefined();
    });

    it('is ended by resume', () => {
      const { decision, next } = decide({
        workload,
        state: pausedState(),
        signals: [firing(LATENCY, -5)],
        commands: [aCommand({ action: 'resume' })],
        now: at(0),
      });
      expect(decision.action.kind).toBe('scale_out');
      expect(next.paused).toBeUndefined();
    });
  });

  describe('dry-run', () => {
    const dryState = (spec: Parameters<typeof aState>[0] = {}) =>
      committed(
        decide({
          workload,
          state: aState(spec),
          signals: [],
          commands: [aCommand({ action: 'dry_run_on', reason: 'trying the new policy' })],
          now: at(-10),
        }).next,
      );

    it('logs the scale-out it would do and records no pending launch', () => {
      const { decision, next, changed } = decide({
        workload,
        state: dryState(),
        signals: [firing(LATENCY, -5)],
        now: at(0),
      });
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(decision.wouldHave).toEqual({
        kind: 'scale_out',
        placements: [{ region: 'us-west-2', count: 2 }],
      });
      expect(decision.reason).toMatch(
        /^dry-run: would start 2 in us-west-2 \(dry-run since .*: trying the new policy\); 1 alert/,
      );
      expect(changed).toBe(true); // the alert is remembered
      expect(next.pendingLaunches).toEqual([]);
      expect(next.lastScaleOutAt).toBeUndefined();
    });

    it('logs the drain it would do and marks no task drain_requested', () => {
      const state = dryState({ tasks: [running('a'), running('b')] });
      const { decision, next } = decide({
        workload,
        state,
        signals: [],
        commands: [aCommand({ action: 'drain_all', issuedAt: 1 })],
        now: at(1),
      });
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(decision.wouldHave?.kind).toBe('scale_in');
      expect(decision.reason).toMatch(/^dry-run: would drain 2 task\(s\)/);
      expect(Object.values(next.tasks).map((t) => t.status)).toEqual(['running', 'running']);
    });

    it('ends with dry-run off', () => {
      const { decision, next } = decide({
        workload,
        state: dryState(),
        signals: [firing(LATENCY, -5)],
        commands: [aCommand({ action: 'dry_run_off' })],
        now: at(0),
      });
      expect(decision.action.kind).toBe('scale_out');
      expect(next.dryRun).toBeUndefined();
    });
  });
});

describe('decide (policy) scale-out amount', () => {
  describe('by severity, when the workload sets severitySteps', () => {
    const stepped = aWorkload({ scaleOutStep: 1, maxBurstTasks: 10, severitySteps: {} });

    it.each([
      ['warning', 1],
      ['critical', 2],
    ] as const)('starts scaleOutStep × the steps of a %s alert', (severity, count) => {
      const { decision } = decide({
        workload: stepped,
        state: aState(),
        signals: [firing(LATENCY, -5, { severity })],
        now: at(0),
      });
      expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'us-west-2', count }] });
      expect(decision.reason).toContain(`(${severity}: ${count} step(s) of 1)`);
    });

    it('starts nothing for info alerts only (0 steps by default)', () => {
      const { decision } = decide({
        workload: stepped,
        state: aState(),
        signals: [firing(LATENCY, -5, { severity: 'info' })],
        now: at(0),
      });
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(decision.reason).toBe('1 alert(s) firing; not scaled out: info: 0 step(s) of 1');
    });

    it('takes the most severe firing alert, with overrides from config', () => {
      const custom = aWorkload({ scaleOutStep: 1, maxBurstTasks: 10, severitySteps: { critical: 4 } });
      const { decision } = decide({
        workload: custom,
        state: aState(),
        signals: [firing(LATENCY, -5, { severity: 'warning' }), firing('alertmanager:fp-errors', -5)],
        now: at(0),
      });
      expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'us-west-2', count: 4 }] });
    });

    it('is one step for every severity when severitySteps is not set', () => {
      const { decision } = decide({
        workload,
        state: aState(),
        signals: [firing(LATENCY, -5, { severity: 'info' })],
        now: at(0),
      });
      expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'us-west-2', count: 2 }] });
    });
  });

  describe('proportionally to a metric value, when the workload sets scaleOnMetric', () => {
    const proportional = aWorkload({
      maxBurstTasks: 6,
      scaleOnMetric: { target: 100 },
      homeCapacityTasks: 2,
    });

    it('starts ceil(capacity × value / target) minus what runs', () => {
      // Prepare: capacity = 1 burst + 2 home = 3; 3 × 250 / 100 = 7.5 → 8 → 5 more burst tasks, bounded to 6 total → 5
      const state = aState({ tasks: [running('a')] });
      const { decision } = decide({
        workload: proportional,
        state,
        signals: [firing(LATENCY, -5, { value: 250 })],
        now: at(0),
      });
      expect(decision.action).toEqual({
        kind: 'scale_out',
        placements: [{ region: 'us-west-2', count: 5 }],
      });
      expect(decision.reason).toContain('metric 250 against target 100: capacity 3 → 8 task(s)');
    });

    it('is bounded by maxBurstTasks', () => {
      const { decision } = decide({
        workload: proportional,
        state: aState(),
        signals: [firing(LATENCY, -5, { value: 10_000 })],
        now: at(0),
      });
      const action = decision.action;
      expect(action.kind).toBe('scale_out');
      if (action.kind === 'scale_out') expect(action.placements.reduce((n, p) => n + p.count, 0)).toBe(6);
    });

    it('holds when the capacity already serves the value', () => {
      const { decision } = decide({
        workload: proportional,
        state: aState({ tasks: [running('a')] }),
        signals: [firing(LATENCY, -5, { value: 90 })],
        now: at(0),
      });
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(decision.reason).toMatch(/enough already$/);
    });

    it('uses the homeCapacityTasks default of 1', () => {
      const defaulted = aWorkload({ maxBurstTasks: 6, scaleOnMetric: { target: 100 } });
      const { decision } = decide({
        workload: defaulted,
        state: aState(),
        signals: [firing(LATENCY, -5, { value: 300 })],
        now: at(0),
      });
      // capacity 1 → ceil(1 × 3) = 3 → 2 burst tasks
      expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'us-west-2', count: 2 }] });
    });
  });
});

describe('decide (policy) slow scale-in', () => {
  const calm = (spec: Parameters<typeof aState>[0] = {}) =>
    aState({ lastScaleOutAt: isoAt(-3600), tasks: [running('a', 'us-west-2', -3600)], ...spec });

  describe('scaleInStabilisationSeconds', () => {
    const stable = aWorkload({ scaleInCooldownSeconds: 0, scaleInStabilisationSeconds: 600 });

    it('holds while an alert changed within the window, and says until when', () => {
      const state = calm({ alerts: { [LATENCY]: alertRecord('firing', -700) } });
      const { decision } = decide({
        workload: stable,
        state,
        signals: [resolved(LATENCY, -100)],
        now: at(0),
      });
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(decision.reason).toBe(
        `no alert firing; not scaled in because stabilisation window until ${isoAt(500)} (last alert change ${isoAt(-100)})`,
      );
    });

    it('scales in once the window has passed without an alert change', () => {
      const state = calm({ alerts: { [LATENCY]: alertRecord('resolved', -100) } });
      const { decision } = decide({ workload: stable, state, signals: [], now: at(500) });
      expect(decision.action.kind).toBe('scale_in');
    });
  });

  describe('minBurstSeconds', () => {
    const kept = aWorkload({ scaleInCooldownSeconds: 0, minBurstSeconds: 900 });

    it('keeps tasks younger than minBurstSeconds from the policy scale-in', () => {
      const state = calm({ tasks: [running('a', 'us-west-2', -600), running('b', 'us-west-2', -300)] });
      const { decision } = decide({ workload: kept, state, signals: [], now: at(0) });
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(decision.reason).toBe(
        `no alert firing; not scaled in because minBurstSeconds keeps every task until ${isoAt(300)}`,
      );
    });

    it('drains only the tasks old enough', () => {
      const state = calm({ tasks: [running('a', 'us-west-2', -1000), running('b', 'us-west-2', -300)] });
      const { decision } = decide({ workload: kept, state, signals: [], now: at(0) });
      expect(decision.action).toEqual({
        kind: 'scale_in',
        tasks: [{ taskArn: running('a').taskArn, region: 'us-west-2' }],
      });
    });

    it('does not hold an operator drain', () => {
      const state = calm({ tasks: [running('b', 'us-west-2', -300)] });
      const { decision } = decide({
        workload: kept,
        state,
        signals: [],
        commands: [aCommand({ action: 'drain_all' })],
        now: at(0),
      });
      expect(decision.action.kind).toBe('scale_in');
    });
  });
});
