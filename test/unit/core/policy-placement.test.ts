import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OperatorCommand } from '../../../src/core/command';
import { decide } from '../../../src/core/policy';
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

const LATENCY = 'alertmanager:fp-latency';

const priced = aWorkload({
  burstRegions: [
    burstRegionDoc('us-west-2', {
      costPerTaskHour: 0.05,
      fargateSpot: { onDemandBase: 1, costPerTaskHour: 0.02 },
    }),
    burstRegionDoc('eu-west-1', { costPerTaskHour: 0.06 }),
  ],
  maxBurstTasks: 10,
  scaleOutStep: 3,
});

const command = (
  spec: Omit<Partial<OperatorCommand>, 'issuedAt'> & Pick<OperatorCommand, 'action'>,
): OperatorCommand => aCommand(spec);

describe('decide: placement in the decision log', () => {
  it('logs the candidate regions with their scores, the Spot split and the estimated cost', () => {
    const { decision, next } = decide({
      workload: priced,
      state: aState(),
      signals: [firing(LATENCY, -5)],
      now: at(0),
    });
    expect(decision.action).toEqual({
      kind: 'scale_out',
      placements: [{ region: 'us-west-2', count: 3, spot: 2 }],
    });
    expect(decision.reason).toContain('start 3 in us-west-2 (2 on Spot)');
    expect(decision.candidates?.map((c) => [c.region, c.score, c.chosen, c.skipped])).toEqual([
      ['us-west-2', 1, 3, undefined],
      ['eu-west-1', 2, 0, 'not needed'],
    ]);
    // 1 on demand at 0.05 plus 2 on Spot at 0.02, pending launches included.
    expect(decision.costPerHour).toBe(0.09);
    expect(next.pendingLaunches).toMatchObject([{ region: 'us-west-2', count: 3, spot: 2 }]);
  });

  it('places around a region whose circuit is open and says so', () => {
    const regionHealth = {
      'us-west-2': {
        region: 'us-west-2',
        consecutiveFailures: 3,
        openUntil: isoAt(120),
        lastFailure: 'RESOURCE:FARGATE',
        updatedAt: isoAt(-10),
      },
    };
    const { decision } = decide({
      workload: priced,
      state: aState(),
      signals: [firing(LATENCY, -5)],
      now: at(0),
      regionHealth,
    });
    expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'eu-west-1', count: 3 }] });
    expect(decision.candidates?.[0]?.skipped).toMatch(
      /^circuit open until .* after 3 failed launches \(RESOURCE:FARGATE\)$/,
    );
  });

  it('holds with the reason when every region with room is unhealthy', () => {
    const open = (region: string) => ({
      region,
      consecutiveFailures: 4,
      openUntil: isoAt(60),
      updatedAt: isoAt(0),
    });
    const { decision } = decide({
      workload: priced,
      state: aState(),
      signals: [firing(LATENCY, -5)],
      now: at(0),
      regionHealth: { 'us-west-2': open('us-west-2'), 'eu-west-1': open('eu-west-1') },
    });
    expect(decision.action).toEqual({ kind: 'hold' });
    expect(decision.reason).toMatch(/not scaled out: every burst region with room is unhealthy/);
  });
});

describe('decide: spend guards', () => {
  it("trims a scale-out to the workload's maxBurstCostPerHour, keeping the best region first", () => {
    const workload = aWorkload({
      burstRegions: [
        burstRegionDoc('us-west-2', { costPerTaskHour: 0.05, maxTasks: 1 }),
        burstRegionDoc('eu-west-1', { costPerTaskHour: 0.06 }),
      ],
      maxBurstTasks: 10,
      scaleOutStep: 4,
      maxBurstCostPerHour: 0.2,
    });
    const state = aState({ tasks: [aTask({ taskId: 'a', region: 'eu-west-1' })] }); // 0.06 now
    const { decision } = decide({ workload, state, signals: [firing(LATENCY, -5)], now: at(0) });
    // 0.06 + 0.05 (us-west-2) + 0.06 = 0.17; another 0.06 would be 0.23 > 0.2.
    expect(decision.action).toEqual({
      kind: 'scale_out',
      placements: [
        { region: 'us-west-2', count: 1 },
        { region: 'eu-west-1', count: 1 },
      ],
    });
    expect(decision.reason).toMatch(
      /spend guard: 2 of 4 task\(s\) fit within the workload's maxBurstCostPerHour 0.2/,
    );
  });

  it("holds when the environment's guard leaves no room, counting the other workloads", () => {
    const { decision, next } = decide({
      workload: priced,
      state: aState(),
      signals: [firing(LATENCY, -5)],
      now: at(0),
      otherWorkloadsCostPerHour: 0.99,
      environmentMaxCostPerHour: 1,
    });
    expect(decision.action).toEqual({ kind: 'hold' });
    expect(decision.reason).toMatch(
      /spend guard: 0 of 3 task\(s\) fit within the environment's spendGuard 1 \(other workloads 0.99\/h\)/,
    );
    expect(next.pendingLaunches).toEqual([]);
  });
});

describe('decide: pressure returning while a drain is under way', () => {
  const workload = aWorkload({ maxBurstTasks: 4, scaleOutStep: 2, scaleOutCooldownSeconds: 600 });

  it('calls the drains off instead of starting new tasks, even inside the scale-out cooldown', () => {
    const state = aState({
      lastScaleOutAt: isoAt(-60),
      alerts: { [LATENCY]: alertRecord('resolved', -50) },
      tasks: [
        aTask({ taskId: 'a', status: 'running' }),
        aTask({ taskId: 'b', status: 'draining', drainRequestedAt: isoAt(-20) }),
        aTask({ taskId: 'c', status: 'drain_requested', drainRequestedAt: isoAt(-5) }),
      ],
    });
    const { decision, next } = decide({ workload, state, signals: [firing(LATENCY, -1)], now: at(0) });
    expect(decision.action).toMatchObject({ kind: 'scale_out', placements: [] });
    expect(
      decision.action.kind === 'scale_out' &&
        decision.action.cancelDrains?.map((t) => t.taskArn.split('/').at(-1)),
    ).toEqual(['b', 'c']);
    expect(decision.reason).toMatch(/keep 2 draining task\(s\) \(drain cancelled\)/);
    expect(next.tasks.b?.status).toBe('cancel_requested');
    expect(next.tasks.c?.status).toBe('cancel_requested');
    expect(next.pendingLaunches).toEqual([]);
    expect(next.desiredTasks).toBe(3);
    expect(next.lastScaleOutAt).toBe(isoAt(-60));
  });

  it('never calls off a drain forced by a Spot interruption, nor while paused', () => {
    const tasks = [aTask({ taskId: 'a', status: 'draining', interruptedAt: isoAt(-10) })];
    const interrupted = decide({
      workload,
      state: aState({ tasks }),
      signals: [firing(LATENCY, -1)],
      now: at(0),
    });
    expect(interrupted.next.tasks.a?.status).toBe('draining');
    const paused = decide({
      workload,
      state: aState({
        tasks: [aTask({ taskId: 'b', status: 'draining' })],
        paused: { since: isoAt(-100), reason: 'incident', commandId: 'c1' },
      }),
      signals: [firing(LATENCY, -1)],
      now: at(0),
    });
    expect(paused.decision.action).toEqual({ kind: 'hold' });
    expect(paused.next.tasks.b?.status).toBe('draining');
  });
});

describe('decide: Spot interruptions', () => {
  const workload = aWorkload({ maxBurstTasks: 4, scaleOutStep: 2 });
  const base = {
    desiredTasks: 2,
    alerts: { [LATENCY]: alertRecord('firing', -100) },
    lastScaleOutAt: isoAt(-10),
  };

  it('replaces an interrupted task at once, without counting it towards the crash-loop guard', () => {
    const state = aState({
      ...base,
      replacements: [isoAt(-60), isoAt(-50), isoAt(-40)],
      tasks: [
        aTask({ taskId: 'a', capacity: 'spot' }),
        aTask({ taskId: 'b', capacity: 'spot', status: 'drain_requested', interruptedAt: isoAt(-2) }),
      ],
    });
    const { decision, next } = decide({ workload, state, signals: [], now: at(0) });
    expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'us-west-2', count: 1 }] });
    expect(decision.reason).toMatch(
      /^replacing 1 burst task\(s\) that were interrupted or stopped on their own/,
    );
    expect(next.tasks.b?.replaced).toBe(true);
    expect(next.replacements).toEqual(state.replacements);
    expect(next.desiredTasks).toBe(2);
    // Once decided, the same interruption is not replaced again.
    const again = decide({
      workload,
      state: {
        ...next,
        version: next.version + 1,
        pendingLaunches: [],
        tasks: { ...next.tasks, c: aTask({ taskId: 'c' }) },
      },
      signals: [],
      now: at(5),
    });
    expect(again.decision.action.kind).toBe('hold');
  });

  it('waits for an interrupted task to stop when the workload is at its max', () => {
    const state = aState({
      ...base,
      desiredTasks: 4,
      tasks: [
        ...['a', 'b', 'c'].map((taskId) => aTask({ taskId })),
        aTask({ taskId: 'd', status: 'draining', interruptedAt: isoAt(-2) }),
      ],
    });
    const { decision } = decide({ workload, state, signals: [], now: at(0) });
    expect(decision.action).toEqual({ kind: 'hold' });
    expect(decision.reason).toMatch(/at maxBurstTasks \(4\/4\)/);
  });
});

describe('decide: evacuation', () => {
  const workload = aWorkload({ maxBurstTasks: 8, homeCapacityTasks: 5, scaleOutCooldownSeconds: 600 });
  const evacuate = command({
    id: 'mw-dc1-evacuate',
    action: 'evacuate',
    until: isoAt(3600),
    window: 'dc1-patching',
    reason: 'patching',
  });

  it('moves the full home capacity out at once, ignoring the cooldown, and holds it against scale-in', () => {
    const state = aState({ lastScaleOutAt: isoAt(-10), tasks: [aTask({ taskId: 'a' })] });
    const first = decide({ workload, state, signals: [], commands: [evacuate], now: at(0) });
    expect(first.decision.action).toEqual({
      kind: 'scale_out',
      placements: [{ region: 'us-west-2', count: 4 }],
    });
    expect(first.decision.reason).toMatch(
      /^evacuation by maintenance window dc1-patching since .*: 1 of 5 task\(s\)/,
    );
    expect(first.next.evacuation).toMatchObject({ window: 'dc1-patching', until: isoAt(3600) });
    // No alert fires: the policy would scale in, but not below the evacuation's target.
    const running = aState({
      evacuation: first.next.evacuation,
      desiredTasks: 5,
      tasks: ['a', 'b', 'c', 'd', 'e', 'f'].map((taskId) => aTask({ taskId })),
    });
    const later = decide({ workload, state: running, signals: [], now: at(900) });
    expect(later.decision.action).toEqual({
      kind: 'scale_in',
      tasks: [expect.objectContaining({ region: 'us-west-2' })],
    });
    expect(later.decision.reason).toMatch(/floor 5/);
    const atTarget = decide({
      workload,
      state: { ...running, tasks: Object.fromEntries(Object.entries(running.tasks).slice(0, 5)) },
      signals: [],
      now: at(900),
    });
    expect(atTarget.decision.action).toEqual({ kind: 'hold' });
  });

  it("ends at its window's end, and the policy then drains back", () => {
    const state = aState({
      evacuation: {
        since: isoAt(-100),
        reason: 'patching',
        commandId: 'mw',
        window: 'dc1-patching',
        until: isoAt(3600),
      },
      desiredTasks: 5,
      tasks: ['a', 'b', 'c', 'd', 'e'].map((taskId) => aTask({ taskId })),
    });
    const other = command({
      id: 'other-window-end',
      action: 'end_evacuation',
      window: 'another-window',
      reason: 'done',
    });
    const notMine = decide({ workload, state, signals: [], commands: [other], now: at(0) });
    expect(notMine.next.evacuation).toBeDefined();
    const end = command({
      id: 'mw-dc1-end',
      action: 'end_evacuation',
      window: 'dc1-patching',
      reason: 'done',
    });
    const ended = decide({ workload, state, signals: [], commands: [end], now: at(0) });
    expect(ended.next.evacuation).toBeUndefined();
    expect(ended.decision.action.kind).toBe('scale_in');
    // Past `until`, the evacuation has ended by itself.
    const expired = decide({ workload, state, signals: [resolved(LATENCY, 3700)], now: at(3700) });
    expect(expired.next.evacuation).toBeUndefined();
  });

  it('is bounded by maxBurstTasks, and a pause stops it', () => {
    const small = aWorkload({ maxBurstTasks: 3, homeCapacityTasks: 5 });
    const bounded = decide({
      workload: small,
      state: aState(),
      signals: [],
      commands: [evacuate],
      now: at(0),
    });
    expect(bounded.decision.action).toEqual({
      kind: 'scale_out',
      placements: [{ region: 'us-west-2', count: 3 }],
    });
    const paused = decide({
      workload,
      state: aState({ paused: { since: isoAt(-1), reason: 'freeze', commandId: 'p' } }),
      signals: [],
      commands: [evacuate],
      now: at(0),
    });
    expect(paused.decision.action).toEqual({ kind: 'hold' });
    expect(paused.decision.reason).toMatch(/but paused since/);
    expect(paused.next.evacuation).toBeDefined();
  });
});

describe('decide: nested evacuations', () => {
  const workload = aWorkload({ maxBurstTasks: 8, homeCapacityTasks: 2 });
  const outer = aCommand({
    id: 'outer',
    action: 'evacuate',
    until: isoAt(7200),
    window: 'outer',
    reason: 'dc work',
  });
  const inner = aCommand({
    id: 'inner',
    action: 'evacuate',
    until: isoAt(3600),
    window: 'inner',
    reason: 'rack work',
    issuedAt: 10,
  });
  const innerEnd = aCommand({
    id: 'inner-end',
    action: 'end_evacuation',
    window: 'inner',
    reason: 'rack done',
    issuedAt: 20,
  });

  it("keeps the longer evacuation, so a nested window's end does not end the outer one", () => {
    const { next } = decide({
      workload,
      state: aState(),
      signals: [],
      commands: [outer, inner, innerEnd],
      now: at(30),
    });
    expect(next.evacuation).toMatchObject({ window: 'outer', until: isoAt(7200) });
  });

  it('lets an operator evacuation without an end outlast any window', () => {
    const operator = aCommand({ id: 'op', action: 'evacuate', reason: 'site unstable', issuedAt: 5 });
    const outerEnd = aCommand({
      id: 'outer-end',
      action: 'end_evacuation',
      window: 'outer',
      reason: 'done',
      issuedAt: 40,
    });
    const { next } = decide({
      workload,
      state: aState(),
      signals: [],
      commands: [outer, operator, outerEnd],
      now: at(50),
    });
    expect(next.evacuation).toMatchObject({ commandId: 'op' });
    expect(next.evacuation?.until).toBeUndefined();
  });
});

describe('decide: order of a batch', () => {
  it('gives the same decision, id included, whatever order the signals and commands arrive in', () => {
    const workload = aWorkload({ maxBurstTasks: 8, homeCapacityTasks: 3 });
    const commands = [
      aCommand({ id: 'c1', action: 'dry_run_on', issuedAt: 1 }),
      aCommand({ id: 'c2', action: 'evacuate', issuedAt: 2 }),
      aCommand({ id: 'c3', action: 'dry_run_off', issuedAt: 3 }),
      aCommand({ id: 'c4', action: 'burst', count: 2, issuedAt: 4 }),
    ];
    const signals = [
      firing(LATENCY, -5),
      resolved('alertmanager:fp-errors', -3),
      firing('alertmanager:fp-cpu', -1),
    ];
    const expected = decide({ workload, state: aState(), signals, commands, now: at(10) });
    fc.assert(
      fc.property(
        fc.shuffledSubarray(signals, { minLength: 3 }),
        fc.shuffledSubarray(commands, { minLength: 4 }),
        (s, c) => {
          const result = decide({ workload, state: aState(), signals: s, commands: c, now: at(10) });
          expect(result.decision).toEqual(expected.decision);
          expect(result.next).toEqual(expected.next);
        },
      ),
    );
  });
});

describe('decide: an evacuation whose tasks keep dying', () => {
  it('stays behind the crash-loop guard across decisions', () => {
    const workload = aWorkload({ maxBurstTasks: 8, homeCapacityTasks: 3 });
    const state = aState({
      evacuation: { since: isoAt(-600), reason: 'dc work', commandId: 'e' },
      desiredTasks: 3,
      replacements: [isoAt(-30), isoAt(-20), isoAt(-10)],
      tasks: [aTask({ taskId: 'a' }), aTask({ taskId: 'b' })],
    });
    const first = decide({ workload, state, signals: [], now: at(0) });
    expect(first.decision.reason).toMatch(/^crash loop/);
    const second = decide({ workload, state: { ...first.next, version: 9 }, signals: [], now: at(60) });
    expect(second.decision.action).toEqual({ kind: 'hold' });
    expect(second.decision.reason).toMatch(/^crash loop/);
    // After the window the evacuation is topped up again.
    const later = decide({ workload, state: { ...second.next, version: 10 }, signals: [], now: at(600) });
    expect(later.decision.action).toEqual({
      kind: 'scale_out',
      placements: [{ region: 'us-west-2', count: 1 }],
    });
  });
});

describe('decide: a drain that could not be called off', () => {
  const workload = aWorkload({ maxBurstTasks: 6, scaleOutStep: 2 });

  it('is not offered again, and its replacement does not count as a crash', () => {
    // Prepare: pressure came back, both drains were past their point of no return
    const state = aState({
      desiredTasks: 2,
      alerts: { [LATENCY]: alertRecord('firing', -30) },
      lastScaleOutAt: isoAt(-30),
      replacements: [isoAt(-50), isoAt(-40), isoAt(-35)],
      tasks: ['a', 'b'].map((taskId) =>
        aTask({ taskId, status: 'draining', drainRequestedAt: isoAt(-60), cancelRefusedAt: isoAt(-20) }),
      ),
    });

    // Act
    const { decision, next } = decide({ workload, state, signals: [], now: at(0) });

    // Assess: two new tasks, no second attempt at the drains, the guard's count unchanged
    expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'us-west-2', count: 2 }] });
    expect(next.tasks.a?.status).toBe('draining');
    expect(next.tasks.a?.replaced).toBe(true);
    expect(next.replacements).toEqual(state.replacements);
    const again = decide({ workload, state: { ...next, version: 9 }, signals: [], now: at(5) });
    expect(again.decision.action.kind).toBe('hold');
  });

  it('keeping drains is no replacement for the crash-loop guard either', () => {
    const state = aState({
      desiredTasks: 3,
      alerts: { [LATENCY]: alertRecord('firing', -30) },
      tasks: [
        aTask({ taskId: 'a' }),
        aTask({ taskId: 'b', status: 'draining', drainRequestedAt: isoAt(-60) }),
      ],
    });
    const { decision, next } = decide({ workload, state, signals: [], now: at(0) });
    expect(decision.action).toMatchObject({ kind: 'scale_out' });
    expect(next.tasks.b?.status).toBe('cancel_requested');
    expect(next.replacements ?? []).toEqual(
      decision.action.kind === 'scale_out' && decision.action.placements.length > 0 ? [isoAt(0)] : [],
    );
  });
});
