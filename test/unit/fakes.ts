/**
 * Hand-written fakes of the narrow ports in `src/usecases/ports.ts`. Each keeps what it was asked
 * in plain arrays, so a test can assert on calls without a mocking library, and each follows the
 * semantics of the adapter it stands in for (noted per fake).
 */
import type { LaunchResult, ObservedTask, RunBurstTasksRequest } from '../../src/adapters/burst-compute';
import type { CancelOutcome, LedgerEntry } from '../../src/adapters/drain-ledger';
import type { DrainStart } from '../../src/adapters/drain-starter';
import { executionArnOf } from '../../src/adapters/drain-starter';
import type { CommitResult } from '../../src/adapters/state-store';
import type { SpillwayConfig } from '../../src/config/schema';
import type { Decision } from '../../src/core/decision';
import { digest } from '../../src/core/ids';
import type { RegionHealth, RegionHealthMap } from '../../src/core/region-health';
import { emptyWorkloadState, type WorkloadState } from '../../src/core/workload-state';
import { LaunchPacer } from '../../src/usecases/launch-pacer';
import type { DecideDeps, Log, ReconcileDeps } from '../../src/usecases/ports';
import type { DrainInput } from '../../src/workflow/drain-definition';
import { ACCOUNT, aConfig, at, cloneJson } from './factories';

/** A clock a test moves by hand. */
export class FakeClock {
  constructor(private current: Date = at(0)) {}
  readonly now = (): Date => new Date(this.current.getTime());
  set(instant: Date): void {
    this.current = instant;
  }
  advance(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

export class RecordingLog implements Log {
  readonly entries: LogEntry[] = [];
  info(message: string, fields?: Record<string, unknown>): void {
    this.entries.push({ level: 'info', message, ...(fields ? { fields } : {}) });
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.entries.push({ level: 'warn', message, ...(fields ? { fields } : {}) });
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.entries.push({ level: 'error', message, ...(fields ? { fields } : {}) });
  }
  messages(level: LogEntry['level']): string[] {
    return this.entries.filter((entry) => entry.level === level).map((entry) => entry.message);
  }
}

/**
 * The state store in memory, with the semantics of `src/adapters/state-store.ts`: `load` returns
 * the empty state (version 0) for an unknown workload; `commit` writes `next` as version
 * `expectedVersion + 1` only when the stored version is `expectedVersion`, together with the
 * decision, and answers `version_conflict` otherwise; what is stored is a JSON copy (DynamoDB
 * drops `undefined`), so no caller keeps a live reference into the store.
 */
export class InMemoryStateStore {
  private readonly states = new Map<string, WorkloadState>();
  /** Decisions written with a state change, in commit order. */
  readonly committedDecisions: Decision[] = [];
  /** Decisions logged without a state change. */
  readonly loggedDecisions: Decision[] = [];
  readonly commits: { workload: string; expectedVersion: number; ok: boolean }[] = [];
  /** Why queue messages failed, as `recordMessageFailure` stored it. */
  readonly messageFailures: { messageId: string; reason: string; at: string }[] = [];
  /** Workloads whose load fails, as a DynamoDB outage would. */
  readonly failingLoads = new Set<string>();
  /** Makes `recordMessageFailure` throw. */
  failMessageFailures = false;
  /** Runs before each commit is checked; may write concurrently (via `put`) or throw (a crash). */
  beforeCommit: ((next: WorkloadState, expectedVersion: number) => void | Promise<void>) | undefined;

  async load(workload: string): Promise<WorkloadState> {
    if (this.failingLoads.has(workload))
      throw new Error(`dynamodb GetItem failed: table unavailable (${workload})`);
    return cloneJson(this.states.get(workload) ?? emptyWorkloadState(workload));
  }

  async commit(next: WorkloadState, expectedVersion: number, decision?: Decision): Promise<CommitResult> {
    await this.beforeCommit?.(next, expectedVersion);
    const stored = this.states.get(next.workload)?.version ?? 0;
    if (stored !== expectedVersion) {
      this.commits.push({ workload: next.workload, expectedVersion, ok: false });
      return { ok: false, reason: 'version_conflict' };
    }
    const version = expectedVersion + 1;
    this.states.set(next.workload, cloneJson({ ...next, version }));
    if (decision) this.committedDecisions.push(cloneJson(decision));
    this.commits.push({ workload: next.workload, expectedVersion, ok: true });
    return { ok: true, version };
  }

  async logDecision(decision: Decision): Promise<void> {
    this.loggedDecisions.push(cloneJson(decision));
  }

  /** Region health as stored, by region. */
  readonly regionHealth = new Map<string, RegionHealth>();
  /** Every write of region health, accepted or not. */
  readonly healthWrites: { health: RegionHealth; ok: boolean }[] = [];
  /** Runs before a region health write is checked; may write concurrently (via `regionHealth`). */
  beforeHealthWrite: ((health: RegionHealth) => void) | undefined;
  /** How many times `loadStates` was called, and with which workloads. */
  readonly stateLoads: string[][] = [];

  async loadStates(workloads: readonly string[]): Promise<Map<string, WorkloadState>> {
    this.stateLoads.push([...workloads]);
    const states = new Map<string, WorkloadState>();
    for (const name of workloads) states.set(name, await this.load(name));
    return states;
  }

  /** How many times the decision's combined read ran. */
  decisionReads = 0;

  async loadForDecision(
    workload: string,
    regions: readonly string[],
  ): Promise<{ state: WorkloadState; regionHealth: RegionHealthMap }> {
    this.decisionReads++;
    const state = await this.load(workload);
    const regionHealth = Object.fromEntries(
      [...this.regionHealth]
        .filter(([region]) => regions.includes(region))
        .map(([r, h]) => [r, cloneJson(h)]),
    );
    return { state, regionHealth };
  }

  async loadRegionHealth(): Promise<RegionHealthMap> {
    return cloneJson(Object.fromEntries(this.regionHealth));
  }

  /** Conditional on the stored record's updatedAt, as the adapter's write is. */
  async saveRegionHealth(health: RegionHealth, expectedUpdatedAt?: string): Promise<boolean> {
    this.beforeHealthWrite?.(health);
    const ok = this.regionHealth.get(health.region)?.updatedAt === expectedUpdatedAt;
    this.healthWrites.push({ health: cloneJson(health), ok });
    if (ok) this.regionHealth.set(health.region, cloneJson(health));
    return ok;
  }

  async recordMessageFailure(messageId: string, reason: string, at: Date): Promise<void> {
    if (this.failMessageFailures) throw new Error('dynamodb PutItem failed: table unavailable');
    this.messageFailures.push({ messageId, reason, at: at.toISOString() });
  }

  /** Seeds or overwrites a workload's state as stored (the version is taken as given). */
  put(state: WorkloadState): void {
    this.states.set(state.workload, cloneJson(state));
  }

  /** The stored state, or the empty one. */
  get(workload: string): WorkloadState {
    return cloneJson(this.states.get(workload) ?? emptyWorkloadState(workload));
  }
}

/** ECS task ids are 32 hex digits. */
const fakeTaskId = (clientToken: string, index: number) => digest([clientToken, String(index)], 32);

/**
 * RunTask in memory. Like ECS, a repeated clientToken gets the answer of the first call back
 * (idempotency), so a retried carry-out sees the same tasks. `answer` overrides what a new token
 * gets (failures, partial placements; undefined for the default, everything started; it may also
 * throw); `failCalls` makes calls throw, as an SDK fault would.
 */
export class FakeBurstCompute {
  readonly requests: RunBurstTasksRequest[] = [];
  /** When each request arrived, by `clock` (set by the fake deps), for pacing assertions. */
  readonly requestTimes: number[] = [];
  clock: (() => Date) | undefined;
  private readonly answers = new Map<string, LaunchResult>();
  answer: ((request: RunBurstTasksRequest) => LaunchResult | undefined) | undefined;
  /** How many of the next calls throw a retryable fault. */
  failCalls = 0;
  /** How many of the next calls are throttled (ThrottlingException: Rate exceeded). */
  throttleCalls = 0;
  /** Errors the next calls throw, in order (after `failCalls` is used up). */
  readonly throwNext: Error[] = [];
  /** Every task started, with its tags, as ListTasks (startedBy spillway) would find it running. */
  readonly launched: (ObservedTask & { region: string; cluster: string })[] = [];
  /** False: a repeated clientToken starts new tasks, as the emulator (or AWS past its window) does. */
  honourClientToken = true;

  async runBurstTasks(request: RunBurstTasksRequest): Promise<LaunchResult> {
    this.requests.push(request);
    if (this.clock) this.requestTimes.push(this.clock().getTime());
    if (this.failCalls > 0) {
      this.failCalls--;
      throw new Error('ecs RunTask failed: ServerException: Service Unavailable');
    }
    if (this.throttleCalls > 0) {
      this.throttleCalls--;
      throw Object.assign(new Error('ecs RunTask failed: ThrottlingException: Rate exceeded'), {
        name: 'ThrottlingException',
      });
    }
    const fault = this.throwNext.shift();
    if (fault) throw fault;
    const previous = this.honourClientToken ? this.answers.get(request.clientToken) : undefined;
    if (previous) return previous;
    const token = this.answers.has(request.clientToken)
      ? `${request.clientToken}#${this.requests.length}`
      : request.clientToken;
    const result = this.answer?.(request) ?? this.startAll({ ...request, clientToken: token });
    this.answers.set(token, result);
    for (const task of result.tasks)
      this.launched.push({
        taskArn: task.taskArn,
        lastStatus: 'RUNNING',
        tags: request.tags,
        region: request.burstRegion.region,
        cluster: request.burstRegion.cluster,
      });
    return result;
  }

  async listStartedBySpillway(
    region: string,
    cluster: string,
    desiredStatus: 'RUNNING' | 'STOPPED' = 'RUNNING',
  ): Promise<ObservedTask[]> {
    return this.launched
      .filter((t) => t.region === region && t.cluster === cluster && t.lastStatus === desiredStatus)
      .map(({ region: _r, cluster: _c, ...task }) => task);
  }

  /** What ECS answers when it has room for the whole request. */
  startAll(request: RunBurstTasksRequest, count = request.count): LaunchResult {
    return {
      tasks: Array.from({ length: count }, (_, i) => ({
        taskArn: `arn:aws:ecs:${request.burstRegion.region}:${ACCOUNT}:task/${request.burstRegion.cluster}/${fakeTaskId(request.clientToken, i)}`,
        lastStatus: 'PROVISIONING',
      })),
      failures: Array.from({ length: request.count - count }, () => ({
        reason:
          'Capacity is unavailable at this time. Please try again later or in a different availability zone',
        problem: 'capacity' as const,
      })),
    };
  }

  /** Every task ARN RunTask handed out, across all calls. */
  startedTaskArns(): string[] {
    return [
      ...new Set([...this.answers.values()].flatMap((result) => result.tasks.map((task) => task.taskArn))),
    ];
  }
}

export const drainStateMachineArn = (region: string): string =>
  `arn:aws:states:${region}:${ACCOUNT}:stateMachine:spillway-drain`;

/** Step Functions StartExecution in memory: a second start of the same name is `already_started`. */
export class FakeDrainStarter {
  readonly starts: { region: string; name: string; input: DrainInput }[] = [];
  private readonly names = new Set<string>();
  /** What DescribeExecution answers per execution ARN; RUNNING when not set. */
  readonly statuses = new Map<string, string>();
  readonly statusQueries: string[] = [];

  async status(_region: string, executionArn: string): Promise<string> {
    this.statusQueries.push(executionArn);
    return this.statuses.get(executionArn) ?? 'RUNNING';
  }

  async start(region: string, name: string, input: DrainInput): Promise<DrainStart> {
    this.starts.push({ region, name, input });
    const executionArn = executionArnOf(drainStateMachineArn(region), name);
    const key = `${region}/${name}`;
    if (this.names.has(key)) return { status: 'already_started', executionArn };
    this.names.add(key);
    return { status: 'started', executionArn };
  }
}

/**
 * ECS as the reconciler sees it: `ecs` is what DescribeTasks reports per task ARN (a task it does
 * not know is MISSING, as the adapter reports it); `spillwayTasks` is what ListTasks (startedBy
 * spillway, RUNNING) finds, with tags.
 */
export class FakeReconcileCompute extends FakeBurstCompute {
  readonly ecs = new Map<string, ObservedTask>();
  readonly spillwayTasks: (ObservedTask & { region: string; cluster: string })[] = [];

  async describe(_region: string, _cluster: string, taskArns: readonly string[]): Promise<ObservedTask[]> {
    return taskArns.map(
      (taskArn) => this.ecs.get(taskArn) ?? { taskArn, lastStatus: 'MISSING', stoppedReason: 'MISSING' },
    );
  }

  override async listStartedBySpillway(
    region: string,
    cluster: string,
    desiredStatus: 'RUNNING' | 'STOPPED' = 'RUNNING',
  ): Promise<ObservedTask[]> {
    if (desiredStatus === 'STOPPED') return [];
    return this.spillwayTasks
      .filter((t) => t.region === region && t.cluster === cluster)
      .map(({ region: _r, cluster: _c, ...task }) => task);
  }
}

/** The drain ledgers in memory, per task ARN. */
export class FakeDrainLedger {
  readonly entries = new Map<string, LedgerEntry>();
  /** What `cancel` answers: whether the canceller or the workflow wins the race. */
  cancelOutcome: CancelOutcome = 'cancelled';
  readonly cancels: { region: string; taskArn: string; drainId: string }[] = [];
  async cancel(region: string, request: { taskArn: string; drainId: string }): Promise<CancelOutcome> {
    this.cancels.push({ region, taskArn: request.taskArn, drainId: request.drainId });
    return this.cancelOutcome;
  }
  async read(_region: string, taskArns: readonly string[]): Promise<Map<string, LedgerEntry>> {
    return new Map(
      taskArns.flatMap((arn) => (this.entries.has(arn) ? [[arn, this.entries.get(arn) as LedgerEntry]] : [])),
    );
  }
}

/** ELBv2 RegisterTargets in memory. */
export class FakeTargetGroups {
  readonly registrations: {
    region: string;
    targetGroupArn: string;
    targets: readonly { id: string; port: number }[];
  }[] = [];
  async register(region: string, targetGroupArn: string, targets: readonly { id: string; port: number }[]) {
    this.registrations.push({ region, targetGroupArn, targets });
  }
}

export interface FakeReconcileDeps extends ReconcileDeps {
  readonly store: InMemoryStateStore;
  readonly compute: FakeReconcileCompute;
  readonly drains: FakeDrainStarter;
  readonly ledger: FakeDrainLedger;
  readonly targets: FakeTargetGroups;
  readonly log: RecordingLog;
  readonly time: FakeClock;
}

export function fakeReconcileDeps(config: SpillwayConfig = aConfig()): FakeReconcileDeps {
  const deps = fakeDecideDeps(config);
  const compute = new FakeReconcileCompute();
  compute.clock = deps.time.now;
  return {
    ...deps,
    compute,
    ledger: new FakeDrainLedger(),
    targets: new FakeTargetGroups(),
  };
}

export interface FakeDecideDeps extends DecideDeps {
  readonly store: InMemoryStateStore;
  readonly compute: FakeBurstCompute;
  readonly drains: FakeDrainStarter;
  readonly log: RecordingLog;
  readonly time: FakeClock;
}

/**
 * The launch pacer on a fake clock: waiting moves the clock to when the sleeper wakes instead of
 * taking the test's time. Sleeps overlap as they would for real: concurrent sleepers each wake no
 * earlier than they asked, and the clock never goes back. Jitter is the largest backoff, so retry
 * budgets run out in a known number of tries.
 */
export function fakePacer(time: FakeClock): LaunchPacer {
  return new LaunchPacer({
    now: () => time.now().getTime(),
    sleep: async (ms) => {
      const wake = time.now().getTime() + ms;
      await Promise.resolve();
      if (wake > time.now().getTime()) time.set(new Date(wake));
    },
    random: () => 0.999,
  });
}

export function fakeDecideDeps(config: SpillwayConfig = aConfig()): FakeDecideDeps {
  const time = new FakeClock();
  const compute = new FakeBurstCompute();
  compute.clock = time.now;
  return {
    config,
    store: new InMemoryStateStore(),
    compute,
    pacer: fakePacer(time),
    drains: new FakeDrainStarter(),
    ledger: new FakeDrainLedger(),
    drainLedgerTable: 'spillway-drain-ledger',
    clock: time.now,
    time,
    log: new RecordingLog(),
  };
}
