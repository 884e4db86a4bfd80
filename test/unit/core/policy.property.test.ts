import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WorkloadConfig } from '../../../src/config/schema';
import { type CommandAction, commandActions, type OperatorCommand } from '../../../src/core/command';
import { burstCostPerHour } from '../../../src/core/cost';
import { decide, type PolicyInput, type PolicyResult } from '../../../src/core/policy';
import type { Signal } from '../../../src/core/signal';
import { countLive, emptyWorkloadState, type WorkloadState } from '../../../src/core/workload-state';
import { aCommand, aSignal, at, aWorkload, burstRegionDoc, isoAt } from '../factories';
import {
  commitResult,
  finishDrains,
  interruptSpotTask,
  killRunningTask,
  launchPending,
  regionMax,
} from '../simulator';

// ---------------------------------------------------------------------------------------------
// Generators: random workload configs and random histories of signals, ticks and the world acting.
// ---------------------------------------------------------------------------------------------

const REGIONS = ['us-west-2', 'eu-west-1', 'ap-southeast-2'] as const;

const workloadArb: fc.Arbitrary<WorkloadConfig> = fc
  .record({
    regionCount: fc.integer({ min: 1, max: 3 }),
    regionMaxes: fc.tuple(
      fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
      fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
      fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
    ),
    max: fc.integer({ min: 1, max: 8 }),
    min: fc.constantFrom(0, 0, 0, 1, 2, 3),
    scaleOutStep: fc.integer({ min: 1, max: 4 }),
    scaleInStep: fc.integer({ min: 1, max: 4 }),
    scaleOutCooldownSeconds: fc.constantFrom(0, 30, 60, 300),
    scaleInCooldownSeconds: fc.constantFrom(0, 60, 300, 600),
    severitySteps: fc.constantFrom(undefined, {}, { info: 1, critical: 3 }),
    metricTarget: fc.constantFrom(undefined, undefined, 50, 100),
    stabilisation: fc.constantFrom(undefined, undefined, 0, 600),
    minBurst: fc.constantFrom(undefined, undefined, 0, 900),
    placement: fc.constantFrom(undefined, 'ordered' as const, 'spread' as const),
    preferences: fc.tuple(
      fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: 1, max: 2 }),
    ),
    weights: fc.tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
    ),
    costs: fc.tuple(fc.constantFrom(0.04, 0.05), fc.constantFrom(0.04, 0.06), fc.constantFrom(0.03, 0.05)),
    spotBase: fc.constantFrom(undefined, undefined, 0, 1),
    costGuard: fc.constantFrom(undefined, undefined, 0.1, 0.25),
    homeCapacity: fc.constantFrom(undefined, 2, 5),
  })
  .map((r) =>
    aWorkload({
      burstRegions: REGIONS.slice(0, r.regionCount).map((region, i) => {
        const maxTasks = r.regionMaxes[i];
        return burstRegionDoc(region, {
          ...(maxTasks === undefined ? {} : { maxTasks }),
          preference: r.preferences[i],
          weight: r.weights[i],
          costPerTaskHour: r.costs[i],
          ...(i === 0 && r.spotBase !== undefined
            ? { fargateSpot: { onDemandBase: r.spotBase, costPerTaskHour: 0.02 } }
            : {}),
        });
      }),
      ...(r.placement ? { placement: r.placement } : {}),
      ...(r.costGuard !== undefined ? { maxBurstCostPerHour: r.costGuard } : {}),
      ...(r.homeCapacity !== undefined ? { homeCapacityTasks: r.homeCapacity } : {}),
      maxBurstTasks: r.max,
      minBurstTasks: Math.min(r.min, r.max),
      scaleOutStep: r.scaleOutStep,
      scaleInStep: r.scaleInStep,
      scaleOutCooldownSeconds: r.scaleOutCooldownSeconds,
      scaleInCooldownSeconds: r.scaleInCooldownSeconds,
      ...(r.severitySteps ? { severitySteps: r.severitySteps } : {}),
      ...(r.metricTarget ? { scaleOnMetric: { target: r.metricTarget } } : {}),
      ...(r.stabilisation !== undefined ? { scaleInStabilisationSeconds: r.stabilisation } : {}),
      ...(r.minBurst !== undefined ? { minBurstSeconds: r.minBurst } : {}),
    }),
  );

/** Evaluations say whether carry-out then launches what the decision left pending (it may crash first). */
type Step =
  | {
      readonly kind: 'signals';
      readonly advance: number;
      readonly launch: boolean;
      readonly signals: readonly {
        alert: number;
        state: 'firing' | 'resolved';
        age: number;
        severity: 'info' | 'warning' | 'critical';
        value: number | undefined;
      }[];
    }
  | { readonly kind: 'resolveAll'; readonly advance: number; readonly launch: boolean }
  | { readonly kind: 'redeliver'; readonly advance: number; readonly launch: boolean; readonly pick: number }
  | { readonly kind: 'tick'; readonly advance: number; readonly launch: boolean }
  | {
      readonly kind: 'command';
      readonly advance: number;
      readonly launch: boolean;
      readonly action: CommandAction;
      readonly count: number;
      readonly until: number | undefined;
    }
  | { readonly kind: 'recommand'; readonly advance: number; readonly launch: boolean; readonly pick: number }
  | { readonly kind: 'launch'; readonly failed: number }
  | { readonly kind: 'finishDrains' }
  | { readonly kind: 'kill'; readonly index: number }
  | { readonly kind: 'interrupt'; readonly index: number };

// Up to 40 steps of at most 20 minutes: well inside the 48 h the policy remembers dedup keys.
const advanceArb = fc.integer({ min: 0, max: 1200 });
const launchArb = fc.constantFrom(true, true, true, false);

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('signals' as const),
      advance: advanceArb,
      launch: launchArb,
      signals: fc.array(
        fc.record({
          alert: fc.integer({ min: 0, max: 2 }),
          state: fc.constantFrom('firing' as const, 'resolved' as const),
          age: fc.integer({ min: 0, max: 900 }),
          severity: fc.constantFrom('info' as const, 'warning' as const, 'critical' as const),
          value: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('resolveAll' as const),
      advance: advanceArb,
      launch: launchArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('redeliver' as const),
      advance: advanceArb,
      launch: launchArb,
      pick: fc.nat(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), advance: advanceArb, launch: launchArb }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('launch' as const), failed: fc.constantFrom(0, 0, 0, 1) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('command' as const),
      advance: advanceArb,
      launch: launchArb,
      action: fc.constantFrom(...commandActions),
      count: fc.integer({ min: 1, max: 20 }),
      until: fc.option(fc.integer({ min: 0, max: 3600 }), { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('recommand' as const),
      advance: advanceArb,
      launch: launchArb,
      pick: fc.nat(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('finishDrains' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kill' as const), index: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('interrupt' as const), index: fc.nat() }) },
);

const historyArb = fc.array(stepArb, { minLength: 1, maxLength: 40, size: 'large' });

/** Histories are cheap to run; more of them reach the rarer scale-in paths. */
const RUNS = { numRuns: 300 };

// ---------------------------------------------------------------------------------------------
// The simulation: folds a history through decide and the simulator, calling `observe` on every
// decision and `check` on every state the world passes through.
// ---------------------------------------------------------------------------------------------

interface Observed {
  readonly input: PolicyInput;
  readonly result: PolicyResult;
  readonly redelivery: boolean;
}

function simulate(
  workload: WorkloadConfig,
  history: readonly Step[],
  observe: (seen: Observed) => void,
  check: (state: WorkloadState) => void = () => {},
): void {
  let state = emptyWorkloadState(workload.name);
  let clock = 0;
  const delivered: Signal[] = [];
  const sent: OperatorCommand[] = [];
  const evaluate = (
    step: { launch: boolean },
    signals: readonly Signal[],
    redelivery = false,
    commands: readonly OperatorCommand[] = [],
  ) => {
    const input: PolicyInput = { workload, state, signals, commands, now: at(clock) };
    const result = decide(input);
    observe({ input, result, redelivery });
    state = commitResult(state, result);
    if (step.launch) state = launchPending(workload, state, at(clock));
  };
  for (const step of history) {
    switch (step.kind) {
      case 'signals': {
        clock += step.advance;
        const signals = step.signals.map((s) =>
          aSignal({
            alertKey: `alertmanager:alert-${s.alert}`,
            state: s.state,
            observedAt: clock - s.age,
            severity: s.severity,
            ...(s.value !== undefined ? { value: s.value } : {}),
          }),
        );
        delivered.push(...signals);
        evaluate(step, signals);
        break;
      }
      case 'resolveAll': {
        clock += step.advance;
        const signals = [0, 1, 2].map((alert) =>
          aSignal({ alertKey: `alertmanager:alert-${alert}`, state: 'resolved', observedAt: clock }),
        );
        delivered.push(...signals);
        evaluate(step, signals);
        break;
      }
      case 'redeliver': {
        const signal = delivered[step.pick % Math.max(delivered.length, 1)];
        if (!signal) break;
        clock += step.advance;
        evaluate(step, [signal], true);
        break;
      }
      case 'tick':
        clock += step.advance;
        evaluate(step, []);
        break;
      case 'command': {
        clock += step.advance;
        const counted = step.action === 'burst' || step.action === 'drain';
        const command = aCommand({
          id: `cmd-${sent.length}`,
          action: step.action,
          issuedAt: clock,
          ...(counted ? { count: step.count } : {}),
          ...(step.action === 'pause' && step.until !== undefined
            ? { until: isoAt(clock + step.until) }
            : {}),
        });
        sent.push(command);
        evaluate(step, [], false, [command]);
        break;
      }
      case 'recommand': {
        const command = sent[step.pick % Math.max(sent.length, 1)];
        if (!command) break;
        clock += step.advance;
        evaluate(step, [], true, [command]);
        break;
      }
      case 'launch':
        state = launchPending(workload, state, at(clock), step.failed);
        break;
      case 'finishDrains':
        state = finishDrains(state, at(clock));
        break;
      case 'kill':
        state = killRunningTask(state, step.index, at(clock));
        break;
      case 'interrupt':
        state = interruptSpotTask(state, step.index, at(clock));
        break;
    }
    check(state);
  }
}

function expectWithinBounds(workload: WorkloadConfig, state: WorkloadState): void {
  const live = countLive(state);
  expect(live.total).toBeGreaterThanOrEqual(0);
  expect(live.total).toBeLessThanOrEqual(workload.maxBurstTasks);
  for (const [region, count] of live.byRegion) {
    expect(count).toBeGreaterThanOrEqual(0);
    expect(count).toBeLessThanOrEqual(regionMax(workload, region));
  }
}

// ---------------------------------------------------------------------------------------------

describe('decide (policy), over random workloads and histories', () => {
  it('never lets live burst tasks exceed maxBurstTasks, in total or per region, nor go negative', () => {
    fc.assert(
      fc.property(workloadArb, historyArb, (workload, history) => {
        simulate(
          workload,
          history,
          ({ result }) => {
            expectWithinBounds(workload, result.next);
            if (result.decision.action.kind === 'scale_out') {
              for (const placement of result.decision.action.placements) {
                expect(placement.count).toBeGreaterThan(0);
                expect(placement.spot ?? 0).toBeLessThanOrEqual(placement.count);
                expect(workload.burstRegions.map((r) => r.region)).toContain(placement.region);
              }
              // The spend guard only ever lets a scale-out add what fits under it.
              if (workload.maxBurstCostPerHour !== undefined && result.decision.action.placements.length > 0)
                expect(burstCostPerHour(workload, result.next)).toBeLessThanOrEqual(
                  workload.maxBurstCostPerHour + 1e-9,
                );
            }
          },
          (state) => expectWithinBounds(workload, state),
        );
      }),
      RUNS,
    );
  });

  it('scales in only running tasks, and only marks them drain_requested (never stops a task itself)', () => {
    fc.assert(
      fc.property(workloadArb, historyArb, (workload, history) => {
        simulate(workload, history, ({ input, result }) => {
          const before = input.state.tasks;
          const after = result.next.tasks;
          const action = result.decision.action;
          const chosen = new Set(action.kind === 'scale_in' ? action.tasks.map((t) => t.taskArn) : []);
          const kept = new Set(
            action.kind === 'scale_out' ? (action.cancelDrains ?? []).map((t) => t.taskArn) : [],
          );
          for (const taskArn of chosen) {
            const task = Object.values(before).find((t) => t.taskArn === taskArn);
            expect(task?.status).toBe('running');
            expect(task && after[task.taskId]?.status).toBe('drain_requested');
          }
          for (const [taskId, task] of Object.entries(before)) {
            const now = after[taskId];
            // Only stopped records may be forgotten.
            if (!now) {
              expect(task.status).toBe('stopped');
              continue;
            }
            if (now.status !== task.status && chosen.has(task.taskArn)) {
              expect([task.status, now.status]).toEqual(['running', 'drain_requested']);
            } else if (now.status !== task.status) {
              // The only other change a decision makes: calling off a drain under way.
              expect(['drain_requested', 'draining']).toContain(task.status);
              expect(now.status).toBe('cancel_requested');
              expect(kept.has(task.taskArn)).toBe(true);
            }
          }
          expect(Object.keys(after).filter((id) => !before[id])).toEqual([]);
        });
      }),
      RUNS,
    );
  });

  it('never scales in on its own within minBurstSeconds of a task start or the stabilisation window', () => {
    fc.assert(
      fc.property(workloadArb, historyArb, (workload, history) => {
        simulate(workload, history, ({ input, result }) => {
          const action = result.decision.action;
          if (
            action.kind !== 'scale_in' ||
            (result.decision.commands ?? []).some((c) => c.outcome === 'applied')
          )
            return;
          const now = input.now.getTime();
          for (const { taskArn } of action.tasks) {
            const task = Object.values(input.state.tasks).find((t) => t.taskArn === taskArn);
            expect(now - Date.parse(task?.startedAt ?? '')).toBeGreaterThanOrEqual(
              (workload.minBurstSeconds ?? 0) * 1000,
            );
          }
          if (workload.scaleInStabilisationSeconds !== undefined) {
            for (const alert of Object.values(result.next.alerts))
              expect(now - Date.parse(alert.observedAt)).toBeGreaterThanOrEqual(
                workload.scaleInStabilisationSeconds * 1000,
              );
          }
        });
      }),
      RUNS,
    );
  });

  /**
   * A redelivery changes nothing that acts: no task, launch, aim or control. The one thing it may
   * write is that a firing alert was sent again (lastSeenAt, no longer silent), which keeps a
   * still-firing alert from going silent; a resolution or a command re-sent writes nothing.
   */
  const expectOnlySeenAgain = (before: WorkloadState, result: PolicyResult) => {
    if (!result.changed) {
      expect(result.next).toBe(before);
      return;
    }
    // A control past its `until` is inert already; a write drops it.
    const inForce = <T extends { until?: string }>(control: T | undefined) =>
      control && (!control.until || control.until > result.decision.at) ? control : undefined;
    const acting = (state: WorkloadState) => ({
      pendingLaunches: state.pendingLaunches,
      live: Object.values(state.tasks).filter((t) => t.status !== 'stopped'),
      desiredTasks: state.desiredTasks,
      lastScaleOutAt: state.lastScaleOutAt,
      lastScaleInAt: state.lastScaleInAt,
      paused: inForce(state.paused),
      dryRun: state.dryRun,
      evacuation: inForce(state.evacuation),
    });
    expect(acting(result.next)).toEqual(acting(before));
    for (const [key, alert] of Object.entries(result.next.alerts)) {
      const { lastSeenAt: _seen, silentSince: _silent, ...rest } = alert;
      const previous = before.alerts[key];
      if (!previous) continue;
      const { lastSeenAt: _s, silentSince: _q, ...was } = previous;
      expect(rest).toEqual(was);
    }
  };

  it('ignores a signal or command applied before: action ignored, and only a re-sent firing alert is noted as seen', () => {
    fc.assert(
      fc.property(workloadArb, historyArb, fc.integer({ min: 0, max: 3600 }), (workload, history, delay) => {
        simulate(workload, history, ({ input, result, redelivery }) => {
          if (redelivery) {
            // A redelivery of anything already delivered (applied or found stale then).
            expect(result.decision.action).toEqual({ kind: 'ignored' });
            expectOnlySeenAgain(input.state, result);
          }
          const stored = commitResult(input.state, result);
          const appliedOnes = input.signals.filter((signal) =>
            result.decision.signals.some((o) => o.dedupKey === signal.dedupKey && o.outcome === 'applied'),
          );
          const appliedCommands = (input.commands ?? []).filter((command) =>
            result.decision.commands?.some((o) => o.id === command.id && o.outcome === 'applied'),
          );
          for (const command of appliedCommands) {
            const again = decide({
              workload,
              state: stored,
              signals: [],
              commands: [command],
              now: new Date(input.now.getTime() + delay * 1000),
            });
            expect(again.decision.action).toEqual({ kind: 'ignored' });
            expect(again.changed).toBe(false);
            expect(again.next).toBe(stored);
          }
          for (const signal of appliedOnes) {
            const again = decide({
              workload,
              state: stored,
              signals: [signal],
              now: new Date(input.now.getTime() + delay * 1000),
            });
            expect(again.decision.action).toEqual({ kind: 'ignored' });
            // The alert's record knows its latest signal again; one it superseded is older than that.
            const record = stored.alerts[signal.alertKey];
            const latest = record?.observedAt === signal.observedAt && record.state === signal.state;
            expect(again.decision.signals.map((o) => o.outcome)).toEqual([latest ? 'duplicate' : 'stale']);
            expectOnlySeenAgain(stored, again);
          }
        });
      }),
      RUNS,
    );
  });

  it('is deterministic: the same input always gives the same decision and next state', () => {
    fc.assert(
      fc.property(workloadArb, historyArb, (workload, history) => {
        simulate(workload, history, ({ input, result }) => {
          const again = decide({
            ...input,
            state: structuredClone(input.state),
            signals: [...input.signals],
            commands: [...(input.commands ?? [])],
          });
          expect(again).toEqual(result);
        });
      }),
      RUNS,
    );
  });
});
