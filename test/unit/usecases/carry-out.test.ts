import { afterEach, describe, expect, it, vi } from 'vitest';
import { executionArnOf } from '../../../src/adapters/drain-starter';
import { AdapterError } from '../../../src/adapters/errors';
import type { SpillwayConfig, WorkloadConfig } from '../../../src/config/schema';
import { digest } from '../../../src/core/ids';
import { countLive } from '../../../src/core/workload-state';
import { applySignals } from '../../../src/usecases/apply-signals';
import { carryOut, LAUNCH_CLAIM_SECONDS } from '../../../src/usecases/carry-out';
import { ConcurrencyError, MAX_COMMIT_ATTEMPTS } from '../../../src/usecases/commit-with-retry';
import { drainIdOf } from '../../../src/usecases/drain-naming';
import { launchClientToken } from '../../../src/usecases/launch-attempt';
import {
  aConfig,
  alertRecord,
  aState,
  aTask,
  burstRegionDoc,
  firing,
  isoAt,
  resolved,
  T0_ISO,
  workloadDoc,
} from '../factories';
import { drainStateMachineArn, fakeDecideDeps } from '../fakes';

const LATENCY = 'alertmanager:fp-latency';
const ERRORS = 'alertmanager:fp-errors';

function setup(overrides: Record<string, unknown> = {}): {
  config: SpillwayConfig;
  workload: WorkloadConfig;
  deps: ReturnType<typeof fakeDecideDeps>;
} {
  const config = aConfig({ workloads: [workloadDoc(overrides)], signals: {} });
  const [workload] = config.workloads;
  if (!workload) throw new Error('no workload');
  return { config, workload, deps: fakeDecideDeps(config) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('applySignals and carryOut', () => {
  describe('launching burst tasks', () => {
    it('calls RunTask in batches of at most 10 with short, distinct clientTokens, and records every task', async () => {
      // Prepare: one region, a step of 25
      const { workload, deps } = setup({
        burstRegions: [burstRegionDoc('us-west-2')],
        scaleOutStep: 25,
        maxBurstTasks: 30,
      });

      // Act
      const decision = await applySignals(workload, [firing(LATENCY, -10)], deps);

      // Assess
      expect(decision.action).toEqual({
        kind: 'scale_out',
        placements: [{ region: 'us-west-2', count: 25 }],
      });
      expect(deps.compute.requests.map((r) => r.count)).toEqual([10, 10, 5]);
      const tokens = deps.compute.requests.map((r) => r.clientToken);
      expect(new Set(tokens).size).toBe(3);
      for (const token of tokens) {
        expect(token.length).toBeLessThanOrEqual(64);
        expect(token.startsWith(`${decision.id}-`)).toBe(true);
      }
      expect(deps.compute.requests[0]?.tags).toEqual({
        'spillway:workload': 'checkout-api',
        'spillway:environment': 'local',
        'spillway:decision': decision.id,
        'spillway:home-site': 'onprem-dc1',
        'spillway:batch': tokens[0],
      });
      const state = deps.store.get('checkout-api');
      expect(state.pendingLaunches).toEqual([]);
      expect(
        Object.values(state.tasks)
          .map((t) => t.taskArn)
          .sort(),
      ).toEqual(deps.compute.startedTaskArns().sort());
      expect(
        Object.values(state.tasks).every((t) => t.status === 'running' && t.decisionId === decision.id),
      ).toBe(true);
      expect(countLive(state).total).toBe(25);
    });

    it('records each started task with its region, cluster, decision and start time', async () => {
      // Prepare
      const { workload, deps } = setup();

      // Act
      const decision = await applySignals(workload, [firing(LATENCY, -10)], deps);

      // Assess
      const [taskArn] = deps.compute.startedTaskArns();
      const task = Object.values(deps.store.get('checkout-api').tasks).find((t) => t.taskArn === taskArn);
      expect(task).toEqual({
        taskArn,
        taskId: taskArn?.split('/').at(-1),
        region: 'us-west-2',
        cluster: 'spillway-burst',
        decisionId: decision.id,
        startedAt: T0_ISO,
        status: 'running',
        ecsStatus: 'PROVISIONING',
        capacity: 'on_demand',
      });
    });

    it.each([true, false])(
      'finds what a crash between RunTask and the state write started instead of starting it again (clientToken honoured: %s)',
      async (honoured) => {
        // Prepare: the write that records the started tasks fails once (the process dies)
        const { workload, deps } = setup({
          burstRegions: [burstRegionDoc('us-west-2')],
          scaleOutStep: 12,
          maxBurstTasks: 20,
        });
        deps.compute.honourClientToken = honoured;
        let crashed = false;
        deps.store.beforeCommit = (next) => {
          if (!crashed && Object.keys(next.tasks).length > 0) {
            crashed = true;
            throw new Error('Runtime.ExitError');
          }
        };
        await expect(applySignals(workload, [firing(LATENCY, -10)], deps)).rejects.toThrow(
          'Runtime.ExitError',
        );
        const firstTokens = deps.compute.requests.map((r) => r.clientToken);
        expect(firstTokens).toHaveLength(2);
        expect(deps.store.get('checkout-api').pendingLaunches).toHaveLength(1);

        // Act: a retry once the dead invocation's claim on the launch has lapsed
        deps.time.advance(LAUNCH_CLAIM_SECONDS);
        await carryOut(workload, deps);

        // Assess: the retry found both batches by their tags and asked RunTask for nothing more
        expect(deps.compute.requests.map((r) => r.clientToken)).toEqual(firstTokens);
        expect(deps.compute.launched).toHaveLength(12);
        const state = deps.store.get('checkout-api');
        expect(Object.keys(state.tasks)).toHaveLength(12);
        expect(state.pendingLaunches).toEqual([]);
      },
    );

    it('leaves a launch claimed by another invocation alone until the claim lapses', async () => {
      // Prepare
      const { workload, deps } = setup();
      const launch = {
        decisionId: 'd-abc',
        region: 'us-west-2',
        count: 2,
        requestedAt: isoAt(-60),
        attempts: 1,
      };
      deps.store.put(aState({ version: 3, pendingLaunches: [{ ...launch, claimedAt: isoAt(-10) }] }));

      // Act
      await carryOut(workload, deps);
      const whileClaimed = deps.compute.requests.length;
      deps.time.advance(LAUNCH_CLAIM_SECONDS - 10);
      await carryOut(workload, deps);

      // Assess
      expect(whileClaimed).toBe(0);
      expect(deps.compute.requests).toHaveLength(1);
      expect(Object.keys(deps.store.get('checkout-api').tasks)).toHaveLength(2);
    });

    it('releases the claim and rethrows on a retryable RunTask fault, so the message is retried', async () => {
      // Prepare
      const { workload, deps } = setup();
      const launch = {
        decisionId: 'd-abc',
        region: 'us-west-2',
        count: 2,
        requestedAt: isoAt(-60),
        attempts: 0,
      };
      deps.store.put(aState({ version: 3, pendingLaunches: [launch] }));
      deps.compute.failCalls = 1;

      // Act
      await expect(carryOut(workload, deps)).rejects.toThrow('ecs RunTask failed: ServerException');
      const afterFault = deps.store.get('checkout-api').pendingLaunches;
      await carryOut(workload, deps);

      // Assess
      expect(afterFault).toEqual([{ ...launch, attempts: 1 }]);
      const token = launchClientToken(launch, 'on-demand', 0);
      expect(deps.compute.requests.map((r) => r.clientToken)).toEqual([token, token]);
      expect(Object.keys(deps.store.get('checkout-api').tasks)).toHaveLength(2);
    });

    it('drops the launch with a report on a permanent RunTask error (no endless retries)', async () => {
      // Prepare
      const { workload, deps } = setup();
      deps.store.put(
        aState({
          version: 3,
          pendingLaunches: [
            { decisionId: 'd-abc', region: 'us-west-2', count: 2, requestedAt: isoAt(-60), attempts: 0 },
          ],
        }),
      );
      deps.compute.throwNext.push(
        new AdapterError('ecs RunTask failed: AccessDeniedException: not authorized', 'ecs', 'RunTask', {
          retryable: false,
        }),
      );

      // Act
      await carryOut(workload, deps);

      // Assess
      const state = deps.store.get('checkout-api');
      expect(state.pendingLaunches).toEqual([]);
      expect(state.tasks).toEqual({});
      expect(deps.store.committedDecisions.map((d) => d.reason)).toEqual([
        'RunTask in us-west-2 started 0 of 2 task(s) for decision d-abc: ecs RunTask failed: AccessDeniedException: not authorized (permanent: fix the configuration or permissions)',
      ]);
    });

    it('does not record tasks twice when they are already in state with their launch still pending', async () => {
      // Prepare: RunTask has answered, and the tasks are recorded, but the launch is still listed
      const { workload, deps } = setup();
      deps.store.put(
        aState({
          version: 3,
          pendingLaunches: [
            { decisionId: 'd-abc', region: 'us-west-2', count: 2, requestedAt: isoAt(-60), attempts: 0 },
          ],
        }),
      );
      await carryOut(workload, deps);
      const recorded = deps.store.get('checkout-api');
      deps.store.put({
        ...recorded,
        pendingLaunches: [
          { decisionId: 'd-abc', region: 'us-west-2', count: 2, requestedAt: isoAt(-60), attempts: 0 },
        ],
      });

      // Act
      await carryOut(workload, deps);

      // Assess
      const state = deps.store.get('checkout-api');
      expect(Object.keys(state.tasks).sort()).toEqual(Object.keys(recorded.tasks).sort());
      expect(Object.keys(state.tasks)).toHaveLength(2);
      expect(state.pendingLaunches).toEqual([]);
    });

    it('records no task and writes a decision report when RunTask answers only failures', async () => {
      // Prepare: one burst region, so nothing can move elsewhere
      const { workload, deps } = setup({ burstRegions: [burstRegionDoc('us-west-2')] });
      deps.compute.answer = () => ({
        tasks: [],
        failures: [
          { reason: 'RESOURCE:FARGATE', detail: 'capacity unavailable', problem: 'capacity' },
          { reason: 'RESOURCE:FARGATE', detail: 'capacity unavailable', problem: 'capacity' },
        ],
      });

      // Act
      const decision = await applySignals(workload, [firing(LATENCY, -10)], deps);

      // Assess
      const state = deps.store.get('checkout-api');
      expect(state.tasks).toEqual({});
      expect(state.pendingLaunches).toEqual([]);
      expect(deps.store.committedDecisions.at(-1)).toEqual({
        id: `${decision.id}-launch-${digest(['us-west-2', T0_ISO], 8)}`,
        workload: 'checkout-api',
        at: T0_ISO,
        action: { kind: 'hold' },
        reason:
          `RunTask in us-west-2 started 0 of 2 task(s) for decision ${decision.id}: RESOURCE:FARGATE (capacity unavailable); ` +
          'region us-west-2 failing (1 failed launch(es) in a row; the circuit opens at 3); 2 not started: no other burst region can take them',
        signals: [],
        candidates: [
          {
            region: 'us-west-2',
            score: 1,
            preference: 1,
            weight: 1,
            live: 0,
            room: 6,
            chosen: 0,
            skipped: 'excluded: its launch just failed',
          },
        ],
        liveTasks: 0,
        firingAlerts: [],
        tick: false,
      });
      expect(deps.log.messages('error')).toEqual(['burst tasks not started']);
    });

    it('records the tasks RunTask did start when it placed only some', async () => {
      // Prepare
      const { workload, deps } = setup({ burstRegions: [burstRegionDoc('us-west-2')] });
      deps.compute.answer = (request) => ({
        tasks: [
          {
            taskArn: `arn:aws:ecs:us-west-2:123456789012:task/${request.burstRegion.cluster}/only-one`,
            lastStatus: 'PROVISIONING',
          },
        ],
        failures: [{ reason: 'RESOURCE:ENI', problem: 'capacity' }],
      });

      // Act
      const decision = await applySignals(workload, [firing(LATENCY, -10)], deps);

      // Assess
      expect(Object.keys(deps.store.get('checkout-api').tasks)).toEqual(['only-one']);
      expect(deps.store.committedDecisions.at(-1)?.reason).toBe(
        `RunTask in us-west-2 started 1 of 2 task(s) for decision ${decision.id}: RESOURCE:ENI; ` +
          'region us-west-2 failing (1 failed launch(es) in a row; the circuit opens at 3); 1 not started: no other burst region can take them',
      );
    });

    it('drops a launch for a region that is no longer a burst region, with a report and no RunTask', async () => {
      // Prepare
      const { workload, deps } = setup();
      deps.store.put(
        aState({
          version: 3,
          pendingLaunches: [
            { decisionId: 'd-old', region: 'ap-southeast-2', count: 1, requestedAt: isoAt(-60), attempts: 0 },
          ],
        }),
      );

      // Act
      await carryOut(workload, deps);

      // Assess
      expect(deps.compute.requests).toEqual([]);
      expect(deps.store.get('checkout-api').pendingLaunches).toEqual([]);
      expect(deps.store.committedDecisions.map((d) => d.reason)).toEqual([
        'RunTask in ap-southeast-2 started 0 of 1 task(s) for decision d-old: region ap-southeast-2 is no longer a burst region of checkout-api',
      ]);
    });
  });

  describe('draining burst tasks', () => {
    const scaledInState = () =>
      aState({
        version: 4,
        alerts: { [LATENCY]: alertRecord('firing', -2000) },
        lastScaleOutAt: isoAt(-2000),
        tasks: [
          aTask({ taskId: 'a', region: 'us-west-2', startedAt: isoAt(-1900) }),
          aTask({ taskId: 'b', region: 'eu-west-1', startedAt: isoAt(-1800), decisionId: 'd-b' }),
        ],
      });

    it('starts one drain execution per task, named after it, and records the task as draining', async () => {
      // Prepare
      const { workload, deps } = setup();
      deps.store.put(scaledInState());
      const taskArn = aTask({ taskId: 'b', region: 'eu-west-1' }).taskArn;

      // Act
      const decision = await applySignals(workload, [resolved(LATENCY, -5)], deps);

      // Assess
      expect(decision.action).toEqual({ kind: 'scale_in', tasks: [{ taskArn, region: 'eu-west-1' }] });
      // The drain of this scale-in: named after the task and when its drain was requested.
      const name = drainIdOf('checkout-api', { taskArn, drainRequestedAt: T0_ISO });
      expect(deps.drains.starts).toEqual([
        {
          region: 'eu-west-1',
          name,
          input: {
            workload: 'checkout-api',
            taskArn,
            cluster: 'spillway-burst',
            drainSeconds: 30,
            ledgerTable: 'spillway-drain-ledger',
            ledgerExpiresAt: String(Date.parse(T0_ISO) / 1000 + 30 * 86_400),
            decisionId: 'd-b',
            target: null,
          },
        },
      ]);
      const task = deps.store.get('checkout-api').tasks.b;
      expect(task?.status).toBe('draining');
      expect(task?.drainExecution).toBe(executionArnOf(drainStateMachineArn('eu-west-1'), name));
      expect(deps.store.get('checkout-api').tasks.a?.status).toBe('running');
    });

    it('names the target to deregister when the task is registered in its target group', async () => {
      // Prepare
      const targetGroupArn =
        'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/checkout/0123456789abcdef';
      const { workload, deps } = setup({
        burstRegions: [burstRegionDoc('us-west-2'), burstRegionDoc('eu-west-1', { targetGroupArn })],
      });
      const state = scaledInState();
      deps.store.put({
        ...state,
        tasks: {
          ...state.tasks,
          b: { ...(state.tasks.b ?? aTask({ taskId: 'b' })), privateIp: '10.0.3.17', registeredTarget: true },
        },
      });

      // Act
      await applySignals(workload, [resolved(LATENCY, -5)], deps);

      // Assess
      expect(deps.drains.starts.map((s) => s.input.target)).toEqual([
        { targetGroupArn, targets: [{ Id: '10.0.3.17', Port: 8080 }] },
      ]);
    });

    it.each([
      [300, true, 300],
      [10, true, 30],
      [300, false, 30],
    ])(
      'with a deregistration delay of %s s (task in its target group: %s) the drain serves %s s',
      async (delay, registered, served) => {
        // Prepare: ELB drains connections for the group's delay, longer than drainSeconds (30) or not
        const targetGroupArn =
          'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/checkout/0123456789abcdef';
        const { workload, deps } = setup({
          burstRegions: [
            burstRegionDoc('us-west-2'),
            burstRegionDoc('eu-west-1', { targetGroupArn, deregistrationDelaySeconds: delay }),
          ],
        });
        const state = scaledInState();
        deps.store.put({
          ...state,
          tasks: {
            ...state.tasks,
            b: {
              ...(state.tasks.b ?? aTask({ taskId: 'b' })),
              privateIp: '10.0.3.17',
              registeredTarget: registered,
            },
          },
        });

        // Act
        await applySignals(workload, [resolved(LATENCY, -5)], deps);

        // Assess
        expect(deps.drains.starts.map((s) => s.input.drainSeconds)).toEqual([served]);
      },
    );

    it('does not start a drain again once the task is draining', async () => {
      // Prepare
      const { workload, deps } = setup();
      deps.store.put(scaledInState());
      await applySignals(workload, [resolved(LATENCY, -5)], deps);

      // Act
      await carryOut(workload, deps);
      await carryOut(workload, deps);

      // Assess
      expect(deps.drains.starts).toHaveLength(1);
    });

    it('records a drain that was already started (a retry) as draining too', async () => {
      // Prepare: the execution exists, the state still says drain_requested
      const { workload, deps } = setup();
      const task = aTask({
        taskId: 'b',
        region: 'eu-west-1',
        status: 'drain_requested',
        drainRequestedAt: isoAt(-10),
      });
      deps.store.put(aState({ version: 5, tasks: [task] }));
      await deps.drains.start('eu-west-1', drainIdOf('checkout-api', task), {
        workload: 'checkout-api',
        taskArn: task.taskArn,
        cluster: task.cluster,
        drainSeconds: 30,
        ledgerTable: 'spillway-drain-ledger',
        ledgerExpiresAt: '0',
        decisionId: task.decisionId,
        target: null,
      });

      // Act
      await carryOut(workload, deps);

      // Assess
      expect(deps.store.get('checkout-api').tasks.b?.status).toBe('draining');
      expect(deps.log.entries.find((e) => e.message === 'drain started')?.fields?.alreadyStarted).toBe(true);
    });
  });

  describe('the decision log', () => {
    it('logs a decision that changed nothing when signals caused it (duplicates)', async () => {
      // Prepare
      const { workload, deps } = setup();
      const signal = firing(LATENCY, -10);
      await applySignals(workload, [signal], deps);
      const commits = deps.store.commits.length;

      // Act
      const again = await applySignals(workload, [signal], deps);

      // Assess
      expect(again.action).toEqual({ kind: 'ignored' });
      expect(deps.store.commits).toHaveLength(commits);
      expect(deps.store.loggedDecisions).toEqual([again]);
    });

    it('neither writes nor logs an idle periodic evaluation', async () => {
      // Prepare
      const { workload, deps } = setup();

      // Act
      const decision = await applySignals(workload, [], deps);

      // Assess
      expect(decision.action).toEqual({ kind: 'hold' });
      expect(deps.store.commits).toEqual([]);
      expect(deps.store.loggedDecisions).toEqual([]);
    });

    it('commits the decision together with the state change it caused', async () => {
      // Prepare
      const { workload, deps } = setup();

      // Act
      const decision = await applySignals(workload, [firing(LATENCY, -10)], deps);

      // Assess
      expect(deps.store.committedDecisions[0]).toEqual(decision);
      expect(deps.store.commits[0]).toEqual({ workload: 'checkout-api', expectedVersion: 0, ok: true });
    });
  });

  describe('concurrent deciders', () => {
    it('re-decides on the fresh state after losing a race, so the bounds still hold', async () => {
      // Prepare: room for two; decider A commits while decider B is about to
      const { workload, deps } = setup({
        burstRegions: [burstRegionDoc('us-west-2')],
        maxBurstTasks: 2,
        scaleOutStep: 2,
      });
      let raced = false;
      deps.store.beforeCommit = async () => {
        if (raced) return;
        raced = true;
        await applySignals(workload, [firing(ERRORS, -5)], deps);
      };

      // Act
      const decisionB = await applySignals(workload, [firing(LATENCY, -10)], deps);

      // Assess
      expect(decisionB.action).toEqual({ kind: 'hold' });
      expect(decisionB.reason).toBe('2 alert(s) firing but at maxBurstTasks (2/2)');
      expect(deps.store.commits.some((c) => !c.ok)).toBe(true);
      const state = deps.store.get('checkout-api');
      expect(countLive(state).total).toBe(2);
      expect(deps.compute.startedTaskArns()).toHaveLength(2);
      expect(Object.keys(state.alerts).sort()).toEqual([ERRORS, LATENCY]);
    });

    it('gives up with a ConcurrencyError after losing the race MAX_COMMIT_ATTEMPTS times', async () => {
      // Prepare: someone else writes before every commit
      const { workload, deps } = setup();
      deps.store.beforeCommit = (next) => {
        const current = deps.store.get(next.workload);
        deps.store.put({ ...current, version: current.version + 1 });
      };

      vi.useFakeTimers({ toFake: ['setTimeout'] });

      // Act: the backoff between attempts runs on fake timers
      const act = applySignals(workload, [firing(LATENCY, -10)], deps);
      const outcome = act.then(
        () => undefined,
        (error: unknown) => error,
      );
      await vi.runAllTimersAsync();

      // Assess
      const error = await outcome;
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect((error as Error).message).toBe(
        `workload checkout-api: state changed under ${MAX_COMMIT_ATTEMPTS} attempts in a row`,
      );
      expect(deps.store.commits).toHaveLength(MAX_COMMIT_ATTEMPTS);
      expect(deps.compute.requests).toEqual([]);
    });
  });
});
