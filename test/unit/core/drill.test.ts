import { describe, expect, it } from 'vitest';
import { commandDedupKey } from '../../../src/core/command';
import {
  DRILL_HEALTHY_TIMEOUT_SECONDS,
  DRILL_REDRAIN_SECONDS,
  DRILL_RUNNING_TIMEOUT_SECONDS,
  type DrillRun,
  drillClientToken,
  drillCommandId,
  drillResultOf,
  nextDrillStep,
  reserveDrills,
  withDrill,
} from '../../../src/core/drill';
import { decide } from '../../../src/core/policy';
import {
  countLive,
  stayingByRegion,
  stayingCount,
  type WorkloadState,
} from '../../../src/core/workload-state';
import { alertRecord, aState, aTask, at, aWorkload, burstRegionDoc, isoAt } from '../factories';

// checkout-api: us-west-2 then eu-west-1, max 6, scaleOutStep 2.
const workload = aWorkload();
const running = (taskId: string, region = 'us-west-2') => aTask({ taskId, region, status: 'running' });
const drill = (region: string, spec: Partial<DrillRun> = {}): DrillRun => ({
  drillId: 'drill-1',
  region,
  cluster: 'spillway-burst',
  requestedAt: isoAt(0),
  phase: 'started',
  taskArn: `arn:aws:ecs:${region}:123456789012:task/spillway-burst/drill${region}`,
  ...spec,
});
const withDrills = (state: WorkloadState, ...runs: DrillRun[]): WorkloadState =>
  runs.reduce((s, run) => withDrill(s, run.region, run), state);

describe('readiness drills (core)', () => {
  describe('reserveDrills', () => {
    it('reserves one drill task per burst region when the maxes leave room, and remembers the id', () => {
      // Prepare
      const state = aState({ tasks: [running('a')] });

      // Act
      const reservation = reserveDrills(workload, state, { drillId: 'drill-1', requestedBy: 'sre' }, at(0));

      // Assess
      expect(reservation.reserved.map((r) => [r.region, r.phase])).toEqual([
        ['us-west-2', 'starting'],
        ['eu-west-1', 'starting'],
      ]);
      expect(reservation.refused).toEqual([]);
      expect(Object.keys(reservation.next?.drills ?? {})).toEqual(['us-west-2', 'eu-west-1']);
      expect(reservation.next?.applied[commandDedupKey('drill-1')]).toBeDefined();
      expect(reservation.next?.tasks).toEqual(state.tasks);
    });

    it('refuses every region of a workload at maxBurstTasks, saying the max is why', () => {
      // Prepare: 6 live of max 6.
      const state = aState({ tasks: ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => running(id)) });

      // Act
      const reservation = reserveDrills(workload, state, { drillId: 'drill-1' }, at(0));

      // Assess
      expect(reservation.reserved).toEqual([]);
      expect(reservation.refused).toEqual([
        {
          region: 'us-west-2',
          reason: 'at maxBurstTasks (6/6): a drill never pushes the workload above its max',
        },
        {
          region: 'eu-west-1',
          reason: 'at maxBurstTasks (6/6): a drill never pushes the workload above its max',
        },
      ]);
      expect(reservation.next?.drills).toBeUndefined();
    });

    it('counts pending launches and reserves only as many drills as the total room allows', () => {
      // Prepare: 4 live and 1 pending of max 6: room for one drill, in the first region.
      const state = aState({
        tasks: ['a', 'b', 'c', 'd'].map((id) => running(id)),
        pendingLaunches: [
          { decisionId: 'd-1', region: 'eu-west-1', count: 1, requestedAt: isoAt(-1), attempts: 1 },
        ],
      });

      // Act
      const reservation = reserveDrills(workload, state, { drillId: 'drill-1' }, at(0));

      // Assess
      expect(reservation.reserved.map((r) => r.region)).toEqual(['us-west-2']);
      expect(reservation.refused).toEqual([
        {
          region: 'eu-west-1',
          reason: 'at maxBurstTasks (6/6): a drill never pushes the workload above its max',
        },
      ]);
    });

    it('refuses a region at its own maxTasks and still drills the others', () => {
      // Prepare
      const capped = aWorkload({
        burstRegions: [burstRegionDoc('us-west-2', { maxTasks: 1 }), burstRegionDoc('eu-west-1')],
      });
      const state = aState({ tasks: [running('a', 'us-west-2')] });

      // Act
      const reservation = reserveDrills(capped, state, { drillId: 'drill-1' }, at(0));

      // Assess
      expect(reservation.reserved.map((r) => r.region)).toEqual(['eu-west-1']);
      expect(reservation.refused).toEqual([
        {
          region: 'us-west-2',
          reason: 'us-west-2 at its max (1/1): a drill never pushes the workload above its max',
        },
      ]);
    });

    it('starts nothing for a drill id already applied (a redelivered command)', () => {
      // Prepare
      const first = reserveDrills(workload, aState(), { drillId: 'drill-1' }, at(0));
      const state = first.next as WorkloadState;

      // Act
      const again = reserveDrills(workload, state, { drillId: 'drill-1' }, at(5));

      // Assess
      expect(again).toEqual({ next: undefined, reserved: [], refused: [], duplicate: true });
    });

    it('refuses while paused, during a dry-run, and where a drill is still under way', () => {
      // Prepare
      const paused = aState({ paused: { since: isoAt(-10), reason: 'incident', commandId: 'cmd-p' } });
      const dry = aState({ dryRun: { since: isoAt(-10), reason: 'rehearsal', commandId: 'cmd-d' } });
      const busy = withDrills(aState(), drill('us-west-2', { drillId: 'drill-0' }));

      // Act
      const [p, d, b] = [paused, dry, busy].map((s) =>
        reserveDrills(workload, s, { drillId: 'drill-1' }, at(0)),
      );

      // Assess
      expect(p?.reserved).toEqual([]);
      expect(p?.refused[0]?.reason).toMatch(/^paused since .* a drill starts no task while paused$/);
      expect(d?.reserved).toEqual([]);
      expect(d?.refused[0]?.reason).toMatch(/a drill starts no task during a dry-run$/);
      expect(b?.reserved.map((r) => r.region)).toEqual(['eu-west-1']);
      expect(b?.refused).toEqual([
        { region: 'us-west-2', reason: 'drill drill-0 is still under way in us-west-2' },
      ]);
    });
  });

  describe('counting', () => {
    it('counts live drills against the maxes but never as capacity the workload keeps', () => {
      // Prepare
      const state = withDrills(
        aState({ tasks: [running('a'), running('b', 'eu-west-1')] }),
        drill('us-west-2'),
      );

      // Act
      const live = countLive(state);

      // Assess
      expect(live.total).toBe(3);
      expect(live.drills).toBe(1);
      expect(live.byRegion.get('us-west-2')).toBe(2);
      expect(live.onDemandByRegion.get('us-west-2')).toBe(1);
      expect(stayingCount(state)).toBe(2);
      expect(stayingByRegion(state).get('us-west-2')).toBe(1);
    });

    it('keeps a scale-out under the max while a drill holds a place, and never drains the drill', () => {
      // Prepare: 4 running + 1 drill of max 6; an alert fires (scaleOutStep 2).
      const state = withDrills(
        aState({
          tasks: ['a', 'b', 'c', 'd'].map((id) => running(id)),
          alerts: { 'alertmanager:fp': alertRecord('firing', -5) },
        }),
        drill('us-west-2'),
      );

      // Act
      const result = decide({ workload, state, signals: [], now: at(0) });

      // Assess: room for 1 only, and the drill is still there and not among the tasks.
      expect(result.decision.action.kind).toBe('scale_out');
      const placed =
        result.decision.action.kind === 'scale_out'
          ? result.decision.action.placements.reduce((n, p) => n + p.count, 0)
          : 0;
      expect(placed).toBe(1);
      expect(countLive(result.next).total).toBe(6);
      expect(result.next.drills?.['us-west-2']?.drillId).toBe('drill-1');
    });

    it('does not drain a real task because a drill takes a region past its max (a max lowered meanwhile)', () => {
      // Prepare: us-west-2 now capped at 1, holding 1 task and 1 drill; nothing fires, floor 1.
      const capped = aWorkload({
        minBurstTasks: 1,
        burstRegions: [burstRegionDoc('us-west-2', { maxTasks: 1 }), burstRegionDoc('eu-west-1')],
      });
      const state = withDrills(aState({ tasks: [running('a')] }), drill('us-west-2'));

      // Act
      const result = decide({ workload: capped, state, signals: [], now: at(0) });

      // Assess: the floor is met by the real task only, and nothing is drained or started.
      expect(result.decision.action.kind).toBe('hold');
    });

    it('starts a task to keep minBurstTasks even while a drill runs: a drill is no capacity', () => {
      // Prepare
      const floored = aWorkload({ minBurstTasks: 1 });
      const state = withDrills(aState(), drill('us-west-2'));

      // Act
      const result = decide({ workload: floored, state, signals: [], now: at(0) });

      // Assess
      expect(result.decision.action.kind).toBe('scale_out');
    });
  });

  describe('nextDrillStep', () => {
    const noTargetGroup = { targetGroup: false };
    const withTargetGroup = { targetGroup: true };

    it('records RUNNING and drains at once without a target group', () => {
      // Act
      const step = nextDrillStep(drill('us-west-2'), { ecsStatus: 'RUNNING' }, noTargetGroup, at(12));

      // Assess
      expect(step.kind).toBe('drain');
      if (step.kind === 'drain') {
        expect(step.run.runningAt).toBe(isoAt(12));
        expect(step.run.error).toBeUndefined();
      }
    });

    it('registers, then drains once healthy, with the time it turned healthy', () => {
      // Prepare
      const run = drill('us-west-2');

      // Act
      const first = nextDrillStep(
        run,
        { ecsStatus: 'RUNNING', privateIp: '10.0.1.5' },
        withTargetGroup,
        at(10),
      );
      const registered = first.kind === 'register' ? { ...first.run, registeredTarget: true } : run;
      const initial = nextDrillStep(
        registered,
        { ecsStatus: 'RUNNING', targetHealth: 'initial' },
        withTargetGroup,
        at(20),
      );
      const healthy = nextDrillStep(
        registered,
        { ecsStatus: 'RUNNING', targetHealth: 'healthy' },
        withTargetGroup,
        at(40),
      );

      // Assess
      expect(first.kind).toBe('register');
      expect(initial.kind).toBe('wait');
      expect(healthy).toEqual({
        kind: 'drain',
        run: { ...registered, healthyAt: isoAt(40) },
      });
    });

    it('drains a task not RUNNING within the timeout, and says so', () => {
      // Act
      const step = nextDrillStep(
        drill('us-west-2'),
        { ecsStatus: 'PROVISIONING' },
        noTargetGroup,
        at(DRILL_RUNNING_TIMEOUT_SECONDS + 1),
      );

      // Assess
      expect(step.kind).toBe('drain');
      if (step.kind === 'drain')
        expect(step.run.error).toBe(
          `not RUNNING within ${DRILL_RUNNING_TIMEOUT_SECONDS} s (last status PROVISIONING)`,
        );
    });

    it('drains a task never healthy in its target group within the timeout', () => {
      // Prepare
      const run = drill('us-west-2', { runningAt: isoAt(10), registeredTarget: true, privateIp: '10.0.1.5' });

      // Act
      const step = nextDrillStep(
        run,
        { ecsStatus: 'RUNNING', targetHealth: 'unhealthy' },
        withTargetGroup,
        at(10 + DRILL_HEALTHY_TIMEOUT_SECONDS + 1),
      );

      // Assess
      expect(step.kind).toBe('drain');
      if (step.kind === 'drain')
        expect(step.run.error).toMatch(/^not healthy in its target group within .*\(unhealthy\)$/);
    });

    it('finishes a task that stopped before RUNNING with ECS reason (an image that does not pull)', () => {
      // Act
      const step = nextDrillStep(
        drill('us-west-2'),
        { ecsStatus: 'STOPPED', stoppedReason: 'CannotPullContainerError: pull access denied' },
        noTargetGroup,
        at(30),
      );

      // Assess
      expect(step).toEqual({
        kind: 'finish',
        drained: false,
        error: 'task stopped before RUNNING: CannotPullContainerError: pull access denied',
      });
    });

    it('finishes a draining drill when its own ledger row says stopped, and waits otherwise', () => {
      // Prepare
      const draining = drill('us-west-2', {
        phase: 'draining',
        runningAt: isoAt(5),
        drainRequestedAt: isoAt(10),
      });

      // Act
      const stopped = nextDrillStep(draining, { ledger: { status: 'stopped' } }, noTargetGroup, at(60));
      const waiting = nextDrillStep(draining, { ledger: { status: 'draining' } }, noTargetGroup, at(60));

      // Assess
      expect(stopped).toEqual({ kind: 'finish', drained: true });
      expect(waiting).toEqual({ kind: 'wait' });
    });

    it('keeps a drill whose drain failed (its task may still run) and drains it again after a pause', () => {
      // Prepare
      const draining = drill('us-west-2', {
        phase: 'draining',
        runningAt: isoAt(5),
        drainRequestedAt: isoAt(10),
      });
      const failed = { ledger: { status: 'drain_failed', failure: 'StopTask: AccessDenied' } };

      // Act
      const soon = nextDrillStep(draining, failed, noTargetGroup, at(10 + DRILL_REDRAIN_SECONDS - 1));
      const later = nextDrillStep(draining, failed, noTargetGroup, at(10 + DRILL_REDRAIN_SECONDS));

      // Assess
      expect(soon).toEqual({ kind: 'wait' });
      expect(later).toEqual({
        kind: 'redrain',
        run: { ...draining, error: 'drain failed: StopTask: AccessDenied' },
      });
    });
  });

  describe('results and ids', () => {
    it('passes a drill that ran and drained, with its times from the request', () => {
      // Act
      const result = drillResultOf(
        'checkout-api',
        drill('us-west-2', { runningAt: isoAt(12.34), healthyAt: isoAt(30) }),
        { drained: true },
        at(90),
      );

      // Assess
      expect(result).toMatchObject({
        outcome: 'passed',
        started: true,
        secondsToRunning: 12.3,
        secondsToHealthy: 30,
        drained: true,
        error: null,
      });
    });

    it('fails a drill whose run carries an error even though its task drained', () => {
      // Act
      const result = drillResultOf(
        'checkout-api',
        drill('us-west-2', { error: 'not RUNNING within 600 s (last status PENDING)' }),
        { drained: true },
        at(700),
      );

      // Assess
      expect(result.outcome).toBe('failed');
      expect(result.secondsToRunning).toBeNull();
      expect(result.error).toBe('not RUNNING within 600 s (last status PENDING)');
    });

    it('derives the same ids from the same request, and a clientToken within RunTask limit', () => {
      // Act
      const id = drillCommandId('checkout-api', isoAt(0), 'sre');
      const token = drillClientToken(id, 'us-west-2');

      // Assess
      expect(drillCommandId('checkout-api', isoAt(0), 'sre')).toBe(id);
      expect(drillCommandId('checkout-api', isoAt(1), 'sre')).not.toBe(id);
      expect(id).toMatch(/^drill-checkout-api-[0-9a-f]{12}$/);
      expect(token.length).toBeLessThanOrEqual(64);
      expect(drillClientToken(id, 'eu-west-1')).not.toBe(token);
    });
  });
});
