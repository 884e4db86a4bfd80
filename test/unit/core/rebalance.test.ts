import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/core/policy';
import { REBALANCE_START_SECONDS, rebalanceRanks } from '../../../src/core/rebalance';
import { countLive, type WorkloadState } from '../../../src/core/workload-state';
import { alertRecord, aState, aTask, at, aWorkload, burstRegionDoc, firing, isoAt } from '../factories';

/** us-west-2 preferred (room for 3), eu-west-1 the fallback; max 6; moves one task at a time. */
const workload = (overrides: Record<string, unknown> = {}) =>
  aWorkload({
    burstRegions: [burstRegionDoc('us-west-2', { maxTasks: 3 }), burstRegionDoc('eu-west-1')],
    maxBurstTasks: 6,
    rebalance: 'preferred-region',
    ...overrides,
  });

/** Under steady pressure (one alert firing, scaled out 10 s ago), three tasks in the fallback region. */
const fellBack = (
  overrides: Partial<Omit<WorkloadState, 'tasks'>> = {},
  extraTasks: ReturnType<typeof aTask>[] = [],
) =>
  aState({
    alerts: { 'am:cpu': alertRecord('firing', -600) },
    lastScaleOutAt: isoAt(-10),
    desiredTasks: 3 + extraTasks.length,
    tasks: [
      aTask({ taskId: 'eu-1', region: 'eu-west-1', ecsStatus: 'RUNNING', startedAt: isoAt(-900) }),
      aTask({ taskId: 'eu-2', region: 'eu-west-1', ecsStatus: 'RUNNING', startedAt: isoAt(-800) }),
      aTask({ taskId: 'eu-3', region: 'eu-west-1', ecsStatus: 'RUNNING', startedAt: isoAt(-700) }),
      ...extraTasks,
    ],
    ...overrides,
  });

describe('moving tasks back to a better region (rebalance)', () => {
  it('starts a task in the preferred region first, counted against the max, without touching the fallback', () => {
    // Act
    const { decision, next } = decide({ workload: workload(), state: fellBack(), signals: [], now: at(0) });

    // Assess
    expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'us-west-2', count: 1 }] });
    expect(decision.reason).toContain('rebalance');
    expect(next.rebalance).toMatchObject({
      from: 'eu-west-1',
      to: 'us-west-2',
      count: 1,
      decisionId: decision.id,
    });
    expect(countLive(next).total).toBe(4);
    // Not a scale-out: the cooldown of real scale-outs is left as it was
    expect(next.lastScaleOutAt).toBe(isoAt(-10));
    expect(Object.values(next.tasks).every((t) => t.status === 'running')).toBe(true);
  });

  it('drains from the fallback only once the new task runs, the newest first', () => {
    // Prepare: the move's task is provisioning
    const move = {
      decisionId: 'd-move',
      from: 'eu-west-1',
      to: 'us-west-2',
      count: 1,
      startedAt: isoAt(-30),
    };
    const started = (ecsStatus: string) =>
      aTask({ taskId: 'us-1', region: 'us-west-2', decisionId: 'd-move', ecsStatus, startedAt: isoAt(-30) });

    // Act
    const waiting = decide({
      workload: workload(),
      state: fellBack({ rebalance: move }, [started('PROVISIONING')]),
      signals: [],
      now: at(0),
    });
    const running = decide({
      workload: workload(),
      state: fellBack({ rebalance: move }, [started('RUNNING')]),
      signals: [],
      now: at(0),
    });

    // Assess
    expect(waiting.decision.action).toEqual({ kind: 'hold' });
    expect(waiting.decision.reason).toContain('waiting for 1 task(s) in us-west-2 to run');
    expect(running.decision.action).toMatchObject({
      kind: 'scale_in',
      tasks: [{ region: 'eu-west-1', taskArn: expect.stringContaining('eu-3') }],
    });
    expect(running.next.rebalance).toBeUndefined();
    expect(running.next.lastRebalanceAt).toBe(isoAt(0));
    expect(running.next.lastScaleInAt).toBeUndefined();
  });

  it('never goes above the max to move: at the max it waits and says why', () => {
    // Prepare: three tasks in the fallback region, and a max of 3
    const { decision, next } = decide({
      workload: workload({ maxBurstTasks: 3 }),
      state: fellBack(),
      signals: [],
      now: at(0),
    });

    // Assess
    expect(decision.action).toEqual({ kind: 'hold' });
    expect(decision.reason).toContain('would count above maxBurstTasks (3/3)');
    expect(next.rebalance).toBeUndefined();
    expect(next.pendingLaunches).toEqual([]);
  });

  it('leaves tasks where they are while the preferred region is open-circuited, and gives a move up when it opens', () => {
    // Prepare
    const open = {
      'us-west-2': {
        region: 'us-west-2',
        consecutiveFailures: 3,
        openUntil: isoAt(300),
        updatedAt: isoAt(-5),
      },
    };
    const move = {
      decisionId: 'd-move',
      from: 'eu-west-1',
      to: 'us-west-2',
      count: 1,
      startedAt: isoAt(-30),
    };

    // Act
    const idle = decide({
      workload: workload(),
      state: fellBack(),
      signals: [],
      now: at(0),
      regionHealth: open,
    });
    const underWay = decide({
      workload: workload(),
      state: fellBack({ rebalance: move }),
      signals: [],
      now: at(0),
      regionHealth: open,
    });

    // Assess
    expect(idle.decision.action).toEqual({ kind: 'hold' });
    expect(idle.next.rebalance).toBeUndefined();
    expect(underWay.decision.action).toEqual({ kind: 'hold' });
    expect(underWay.decision.reason).toContain(
      "moving tasks back given up: us-west-2's launch breaker opened",
    );
    expect(underWay.changed).toBe(true);
    expect(underWay.next.rebalance).toBeUndefined();
  });

  it('is called off when pressure shifts, and gives up on tasks that never ran', () => {
    // Prepare
    const move = {
      decisionId: 'd-move',
      from: 'eu-west-1',
      to: 'us-west-2',
      count: 1,
      startedAt: isoAt(-30),
    };
    const resolvedNow = { 'am:cpu': alertRecord('resolved', -1) };

    // Act: the alert resolved; and, separately, the move's launch left nothing after the timeout
    const shifted = decide({
      workload: workload({ scaleInCooldownSeconds: 0 }),
      state: fellBack({ rebalance: move, alerts: resolvedNow }),
      signals: [],
      now: at(0),
    });
    const late = decide({
      workload: workload(),
      state: fellBack({ rebalance: { ...move, startedAt: isoAt(-REBALANCE_START_SECONDS - 1) } }, [
        aTask({ taskId: 'us-1', region: 'us-west-2', decisionId: 'd-move', ecsStatus: 'PENDING' }),
      ]),
      signals: [],
      now: at(0),
    });

    // Assess
    expect(shifted.decision.action.kind).toBe('scale_in');
    expect(shifted.next.rebalance).toBeUndefined();
    expect(shifted.decision.reason).toContain('moving tasks back given up');
    expect(late.next.rebalance).toBeUndefined();
    expect(late.decision.reason).toContain(`did not run within ${REBALANCE_START_SECONDS} s`);
  });

  it('waits the interval between moves, and does nothing when turned off (the default)', () => {
    // Act
    const soon = decide({
      workload: workload({ rebalanceIntervalSeconds: 300 }),
      state: fellBack({ lastRebalanceAt: isoAt(-299) }),
      signals: [],
      now: at(0),
    });
    const later = decide({
      workload: workload({ rebalanceIntervalSeconds: 300 }),
      state: fellBack({ lastRebalanceAt: isoAt(-300) }),
      signals: [],
      now: at(0),
    });
    const off = decide({
      workload: workload({ rebalance: undefined }),
      state: fellBack(),
      signals: [],
      now: at(0),
    });

    // Assess
    expect(soon.decision.action).toEqual({ kind: 'hold' });
    expect(later.decision.action.kind).toBe('scale_out');
    expect(off.decision.action).toEqual({ kind: 'hold' });
    expect(off.next.rebalance).toBeUndefined();
  });

  it('ranks by cost first in cost mode', () => {
    // Prepare: eu-west-1 preferred but dearer
    const priced = workload({
      rebalance: 'cost',
      burstRegions: [
        burstRegionDoc('eu-west-1', { costPerTaskHour: 0.08 }),
        burstRegionDoc('us-west-2', { costPerTaskHour: 0.05 }),
      ],
    });

    // Act
    const ranks = rebalanceRanks(priced, 'cost');
    const { decision } = decide({ workload: priced, state: fellBack(), signals: [], now: at(0) });

    // Assess
    expect([...ranks.keys()]).toEqual(['us-west-2', 'eu-west-1']);
    expect(rebalanceRanks(priced, 'preferred-region').keys().next().value).toBe('eu-west-1');
    expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'us-west-2', count: 1 }] });
  });

  it('moves on-demand tasks a Spot shortage left back onto Spot, make before break', () => {
    // Prepare: us-west-2 prefers Spot above one on-demand task, and runs three on demand
    const spotty = workload({
      burstRegions: [burstRegionDoc('us-west-2', { fargateSpot: { onDemandBase: 1 } })],
    });
    const onDemand = (taskId: string, startedAt: number) =>
      aTask({ taskId, region: 'us-west-2', ecsStatus: 'RUNNING', startedAt: isoAt(startedAt) });
    const state = aState({
      alerts: { 'am:cpu': alertRecord('firing', -600) },
      lastScaleOutAt: isoAt(-10),
      desiredTasks: 3,
      tasks: [onDemand('od-1', -900), onDemand('od-2', -800), onDemand('od-3', -700)],
    });

    // Act
    const started = decide({ workload: spotty, state, signals: [], now: at(0) });
    const move = started.next.rebalance;
    const spotTask = aTask({
      taskId: 'spot-1',
      region: 'us-west-2',
      capacity: 'spot',
      decisionId: started.decision.id,
      ecsStatus: 'RUNNING',
      startedAt: isoAt(5),
    });
    const running = {
      ...started.next,
      tasks: { ...started.next.tasks, [spotTask.taskId]: spotTask },
      pendingLaunches: [],
    };
    const finished = decide({ workload: spotty, state: running, signals: [], now: at(30) });

    // Assess
    expect(started.decision.action).toEqual({
      kind: 'scale_out',
      placements: [{ region: 'us-west-2', count: 1, spot: 1 }],
    });
    expect(started.next.pendingLaunches[0]?.stayPut).toBe(true);
    expect(move).toMatchObject({ capacity: 'spot', from: 'us-west-2', to: 'us-west-2', count: 1 });
    expect(finished.decision.action).toMatchObject({
      kind: 'scale_in',
      tasks: [{ taskArn: expect.stringContaining('od-3') }],
    });
    expect(finished.decision.reason).toContain('1 Spot task(s) running in us-west-2; draining 1 on-demand');
    // Two on-demand tasks lost meanwhile: the one left is the region's base, and stays
    const { 'od-2': _a, 'od-3': _b, ...kept } = running.tasks;
    const thinned = decide({
      workload: spotty,
      state: { ...running, tasks: kept, desiredTasks: 2 },
      signals: [],
      now: at(30),
    });
    expect(thinned.decision.action.kind).not.toBe('scale_in');
    expect(thinned.decision.reason).toContain('no task left to move out of us-west-2');
  });

  it('keeps the aim while a move is under way: a move whose launch fails is not a loss to replace', () => {
    // Prepare: a move starts, then its launch settles with nothing started
    const started = decide({ workload: workload(), state: fellBack(), signals: [], now: at(0) });
    const failed = { ...started.next, pendingLaunches: [], version: started.next.version + 1 };

    // Act
    const next = decide({ workload: workload(), state: failed, signals: [], now: at(30) });

    // Assess: given up, and nothing launched in its place
    expect(started.next.desiredTasks).toBe(3);
    expect(next.decision.action).toEqual({ kind: 'hold' });
    expect(next.decision.reason).toContain('moving tasks back given up');
    expect(next.next.pendingLaunches).toEqual([]);
  });

  it('starts no move while a crash loop holds launches, nor one the spend guard has no room for', () => {
    // Prepare: three replacements in the window and a task lost; and a guard the move would cross
    const crashing = fellBack({
      desiredTasks: 4,
      lastScaleOutAt: isoAt(-3600),
      replacements: [isoAt(-300), isoAt(-200), isoAt(-100)],
    });
    const guarded = workload({
      maxBurstCostPerHour: 0.35,
      burstRegions: [
        burstRegionDoc('us-west-2', { maxTasks: 3, costPerTaskHour: 0.1 }),
        burstRegionDoc('eu-west-1', { costPerTaskHour: 0.1 }),
      ],
    });

    // Act
    const looping = decide({ workload: workload(), state: crashing, signals: [], now: at(0) });
    const capped = decide({ workload: guarded, state: fellBack(), signals: [], now: at(0) });

    // Assess
    expect(looping.decision.action).toEqual({ kind: 'hold' });
    expect(looping.decision.reason).toContain('crash loop');
    expect(looping.next.rebalance).toBeUndefined();
    expect(capped.decision.action).toEqual({ kind: 'hold' });
    expect(capped.decision.reason).toContain(
      'rebalance waits: its 1 new task(s) would take the estimated cost to 0.4/h',
    );
  });

  it('starts a move whose cost lands exactly on the spend guard, as a scale-out would', () => {
    // Prepare: three tasks at 0.83/h and one more make 3.32/h, which floating point sums to 3.3200000000000003
    const atTheGuard = workload({
      maxBurstCostPerHour: 3.32,
      burstRegions: [
        burstRegionDoc('us-west-2', { maxTasks: 3, costPerTaskHour: 0.83 }),
        burstRegionDoc('eu-west-1', { costPerTaskHour: 0.83 }),
      ],
    });

    // Act
    const { decision } = decide({ workload: atTheGuard, state: fellBack(), signals: [], now: at(0) });

    // Assess
    expect(decision.action).toMatchObject({
      kind: 'scale_out',
      placements: [{ region: 'us-west-2', count: 1 }],
    });
  });

  it.each([
    ['cost', 'us-west-2'],
    ['preferred-region', 'eu-west-1'],
  ])('scales in from the region its %s moves would leave: %s', (mode, drained) => {
    // Prepare: the preferred region is the dearer one; no pressure, cooldowns long past
    const regions = workload({
      rebalance: mode,
      burstRegions: [
        burstRegionDoc('us-west-2', { costPerTaskHour: 0.5 }),
        burstRegionDoc('eu-west-1', { costPerTaskHour: 0.1 }),
      ],
    });
    const idle = aState({
      desiredTasks: 2,
      lastScaleOutAt: isoAt(-3600),
      tasks: [
        aTask({ taskId: 'us-1', region: 'us-west-2', ecsStatus: 'RUNNING', startedAt: isoAt(-3600) }),
        aTask({ taskId: 'eu-1', region: 'eu-west-1', ecsStatus: 'RUNNING', startedAt: isoAt(-3600) }),
      ],
    });

    // Act
    const { decision } = decide({ workload: regions, state: idle, signals: [], now: at(0) });

    // Assess
    expect(decision.action).toMatchObject({ kind: 'scale_in', tasks: [{ region: drained }] });
  });

  it('records nothing for a batch of duplicates, even with a move under way', () => {
    // Prepare: a move whose region's breaker just opened, and a redelivered firing
    const move = {
      decisionId: 'd-move',
      from: 'eu-west-1',
      to: 'us-west-2',
      count: 1,
      startedAt: isoAt(-30),
    };
    const open = {
      'us-west-2': {
        region: 'us-west-2',
        consecutiveFailures: 3,
        openUntil: isoAt(300),
        updatedAt: isoAt(-5),
      },
    };
    const again = firing('am:cpu', -600);

    // Act
    const { decision, changed } = decide({
      workload: workload(),
      state: fellBack({ rebalance: move }),
      signals: [again],
      now: at(0),
      regionHealth: open,
    });

    // Assess
    expect(decision.action).toEqual({ kind: 'ignored' });
    expect(changed).toBe(false);
  });

  it('is refused with placement: spread, which it would undo', () => {
    expect(() => workload({ placement: 'spread' })).toThrow(
      /rebalance preferred-region .* placement: spread/,
    );
  });
});
