/**
 * The world around Spillway's control loop, in memory: SQS, the state table, ECS, the drain
 * workflows and their ledgers, and a virtual clock. Spillway's real use cases run against it
 * unchanged — ingest, process-batch (apply, carry-out, start-drain, cancel-drain), reconcile and
 * reconcile-on-event — through the same ports the adapters implement.
 *
 * Every port call passes a gate the scheduler opens, so concurrent invocations interleave call by
 * call in an order the seed chooses; at a gate an invocation may also crash (before or after the
 * call takes effect), and a service may be out or throttling. A crashed invocation is dead: every
 * later call it makes fails, and what it would have acknowledged is not.
 */
import { DrainLedger } from '../../src/adapters/drain-ledger';
import { wrap } from '../../src/adapters/errors';
import type { SpillwayConfig } from '../../src/config/schema';
import type { OperatorCommand } from '../../src/core/command';
import type { DrillResult } from '../../src/core/drill';
import { dueCommands, maintenanceSchedule, scheduledMessageBody } from '../../src/core/maintenance';
import { ingestHeartbeat } from '../../src/usecases/ingest-heartbeat';
import { ingestWebhook } from '../../src/usecases/ingest-webhook';
import { type FargateLaunchLimits, LaunchPacer, type LaunchPacing } from '../../src/usecases/launch-pacer';
import type { MetricName, Metrics } from '../../src/usecases/metrics';
import type { Log, ReconcileDeps } from '../../src/usecases/ports';
import { processBatch } from '../../src/usecases/process-batch';
import { reconcileOnEvent } from '../../src/usecases/reconcile-on-event';
import { SimStateTable } from './models/dynamodb';
import { ACCOUNT, SimEcs, type SimTask } from './models/ecs';
import { SimSiteTable } from './models/sites';
import { SimQueue } from './models/sqs';
import { SimStepFunctions } from './models/step-functions';
import { type Delivery, Monitor } from './monitor';

/** How often a site that is up sends its heartbeat, in virtual seconds. */
export const HEARTBEAT_SECONDS = 20;
export const VISIBILITY_SECONDS = 60;
export const MAX_RECEIVE_COUNT = 5;
const LEDGER_TABLE = 'spillway-drain-ledger';
const TOKEN = 'sim-token';

/** How the world lets concurrent invocations take turns: fast-check's scheduler, or none. */
export interface Scheduling {
  /** Resolves when the scheduler lets the call labelled `label` proceed. */
  gate(label: string): Promise<void>;
  /** Runs the scheduler until `work` settles. */
  run<T>(work: Promise<T>): Promise<T>;
}

export const inOrder: Scheduling = { gate: async () => {}, run: (work) => work };

export class Crash extends Error {
  override readonly name = 'SimulatedCrash';
}

export class Invocation {
  dead = false;
  constructor(readonly name: string) {}
}

type Service = 'dynamodb' | 'ecs' | 'states' | 'elbv2' | 'sqs';

/** What a pacer needs from the world: its clock, its sleep and its randomness. */
export interface PacerTime {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

export interface WorldOptions {
  /**
   * 'instance' (the default): every Lambda instance keeps its own pacer, as the module-level one
   * of each decide and reconcile instance on AWS does, so concurrent invocations do not share the
   * quota. 'shared': one pacer for the whole world, as in one long-running process.
   */
  readonly pacers?: 'instance' | 'shared';
  /** Makes a pacer; a test swaps in one that misbehaves. */
  readonly pacer?: (time: PacerTime) => LaunchPacing;
  /** Fargate's account-wide launch quotas, enforced by ECS with ThrottlingException; absent: none. */
  readonly launchLimits?: FargateLaunchLimits;
  /**
   * Sleepers wake in the order of their wake times, the clock moving to each in turn. Without it
   * a sleep moves the clock as soon as the sleeper's turn comes, so a long backoff that started
   * first drags a short one behind it: harmless for ordering, but it inflates how long a burst
   * takes and how far the quotas' buckets refill, which a test of launch pacing measures.
   */
  readonly timers?: boolean;
  /** Messages one decide invocation takes from the queue (the event source's batch size). */
  readonly batchSize?: number;
}

/** A warm Lambda instance: what it keeps between invocations, and whether one runs in it now. */
interface Instance {
  readonly pacer: LaunchPacing;
  busy: boolean;
}

/** A deterministic PRNG (mulberry32), so a seed replays every random choice the world makes. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export class World {
  now: number;
  readonly random: () => number;
  readonly sqs = new SimQueue({ visibilitySeconds: VISIBILITY_SECONDS, maxReceiveCount: MAX_RECEIVE_COUNT });
  readonly table = new SimStateTable();
  readonly ecs = new SimEcs();
  readonly sfn = new SimStepFunctions(this.ecs);
  /** The watched sites' items (heartbeats, loss). */
  readonly siteTable = new SimSiteTable();
  /** Sites whose heartbeats flow: each sends one every HEARTBEAT_SECONDS of virtual time. */
  readonly sitesUp = new Set<string>();
  /** What every site's witness answers. */
  witnessOk = true;
  private owedHeartbeats: { site: string; at: number }[] = [];
  readonly monitor: Monitor;
  /** The configuration deployed now; an invocation keeps the one it started with. */
  config: SpillwayConfig;
  /** The crash armed at the `countdown`-th port call from now, before or after its effect. */
  crash: { countdown: number; after: boolean; operation?: string } | undefined;
  readonly outage = new Set<Service>();
  throttleDynamo = 0;
  /** Signal ids ingest answered 202 for. */
  readonly accepted = new Set<string>();
  /** Every port call that took effect: who made it, what, and when (virtual ms). */
  readonly calls: { invocation: string; service: Service; operation: string; at: number; count?: number }[] =
    [];
  /** Every RunTask asked for: region, tasks and when, against Fargate's launch quotas. */
  readonly launched: { region: string; count: number; at: number }[] = [];
  /** Bodies of the messages a decide invocation processed and acknowledged. */
  readonly acknowledged: string[] = [];
  /** Operator commands put on the queue, by id. */
  readonly commands = new Set<string>();
  /** The last readiness drill result per workload and region, as the state table keeps them. */
  readonly drillResults = new Map<string, DrillResult>();
  readonly logLines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  /** Every metric the functions recorded, as EMF or Prometheus would ship it. */
  readonly recorded: { name: MetricName; value: number; dimensions: Record<string, string> }[] = [];
  readonly metrics: Metrics = {
    record: (name, value, dimensions) => this.recorded.push({ name, value, dimensions: { ...dimensions } }),
  };
  private invocations = 0;
  private maintenanceSeenUpTo: number;
  private lastIssuedAt = 0;
  /** The one pacer when pacers are shared. */
  private readonly sharedPacer: LaunchPacing | undefined;
  /** Each function's warm instances, reused in turn as Lambda reuses them. */
  readonly instances: Record<'decide' | 'reconcile', Instance[]> = { decide: [], reconcile: [] };
  private readonly timers: { wake: number; seq: number; wakeUp: () => void }[] = [];
  private timerSeq = 0;
  private ticking = false;

  constructor(
    config: SpillwayConfig,
    readonly scheduling: Scheduling,
    seed: number,
    start = Date.parse('2026-03-01T12:00:00.000Z'),
    readonly options: WorldOptions = {},
  ) {
    this.config = config;
    this.now = start;
    this.maintenanceSeenUpTo = start;
    this.random = seeded(seed);
    this.monitor = new Monitor(config.workloads.map((w) => w.name));
    this.ecs.now = () => this.now;
    if (options.launchLimits) this.ecs.launchLimits = options.launchLimits;
    this.sharedPacer = options.pacers === 'shared' ? this.newPacer() : undefined;
  }

  private newPacer(): LaunchPacing {
    const time: PacerTime = { now: () => this.now, sleep: (ms) => this.sleep(ms), random: this.random };
    return this.options.pacer ? this.options.pacer(time) : new LaunchPacer(time);
  }

  private async sleep(ms: number): Promise<void> {
    const wake = this.now + ms;
    await this.scheduling.gate('sleep');
    if (!this.options.timers) {
      this.now = Math.max(this.now, wake);
      return;
    }
    await new Promise<void>((wakeUp) => {
      this.timers.push({ wake, seq: ++this.timerSeq, wakeUp });
      this.tick();
    });
  }

  /**
   * Wakes the earliest sleeper once every invocation has gone as far as it can without time
   * passing (the microtasks have run out), then the next: a discrete-event clock.
   */
  private tick(): void {
    if (this.ticking) return;
    this.ticking = true;
    setImmediate(() => {
      this.ticking = false;
      this.timers.sort((a, b) => a.wake - b.wake || a.seq - b.seq);
      const next = this.timers.shift();
      if (!next) return;
      this.now = Math.max(this.now, next.wake);
      next.wakeUp();
      if (this.timers.length > 0) this.tick();
    });
  }

  /** Runs `work` in a free warm instance of `fn`, or a new one when all are busy. */
  private async inInstance<T>(
    fn: 'decide' | 'reconcile',
    work: (pacer: LaunchPacing) => Promise<T>,
  ): Promise<T> {
    if (this.sharedPacer) return work(this.sharedPacer);
    const pool = this.instances[fn];
    let instance = pool.find((i) => !i.busy);
    if (!instance) {
      instance = { pacer: this.newPacer(), busy: false };
      pool.push(instance);
    }
    instance.busy = true;
    try {
      return await work(instance.pacer);
    } finally {
      instance.busy = false;
    }
  }

  readonly log: Log = {
    info: (message, fields) => this.logLines.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
    warn: (message, fields) => this.logLines.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: (message, fields) =>
      this.logLines.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
  };

  clock = (): Date => new Date(this.now);

  advance(seconds: number): void {
    // Heartbeats of the sites that are up fall due as time passes; sendHeartbeats delivers them.
    for (const site of this.sitesUp)
      for (
        let t = this.now + HEARTBEAT_SECONDS * 1000;
        t <= this.now + seconds * 1000;
        t += HEARTBEAT_SECONDS * 1000
      )
        this.owedHeartbeats.push({ site, at: t });
    this.now += seconds * 1000;
    this.ecs.forgetStopped(this.now);
  }

  invocation(kind: string): Invocation {
    return new Invocation(`${kind}#${++this.invocations}`);
  }

  /** One port call: the scheduler's turn, then a crash, an outage or throttling, or the effect. */
  async call<T>(
    inv: Invocation,
    service: Service,
    operation: string,
    effect: () => T | Promise<T>,
  ): Promise<T> {
    await this.scheduling.gate(`${inv.name} ${service}:${operation}`);
    if (inv.dead) throw new Crash(`${inv.name} is dead`);
    let crashAfter = false;
    const armed = this.crash && (!this.crash.operation || this.crash.operation === operation);
    if (this.crash && armed && --this.crash.countdown <= 0) {
      crashAfter = this.crash.after;
      this.crash = undefined;
      if (!crashAfter) {
        inv.dead = true;
        throw new Crash(`${inv.name} crashed before ${service}:${operation}`);
      }
    }
    if (this.outage.has(service))
      throw wrap(
        service,
        operation,
        Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }),
      );
    if (service === 'dynamodb' && this.throttleDynamo > 0) {
      this.throttleDynamo--;
      throw wrap(
        service,
        operation,
        Object.assign(new Error('Throughput exceeds the current capacity'), {
          name: 'ProvisionedThroughputExceededException',
        }),
      );
    }
    const result = await effect();
    this.calls.push({ invocation: inv.name, service, operation, at: this.now });
    if (crashAfter) {
      inv.dead = true;
      throw new Crash(`${inv.name} crashed after ${service}:${operation}`);
    }
    return result;
  }

  /** The decide and reconcile functions' dependencies, every call through `call`. */
  deps(inv: Invocation, pacer: LaunchPacing = this.sharedPacer ?? this.newPacer()): ReconcileDeps {
    const { table, ecs, sfn } = this;
    const c = <T>(service: Service, operation: string, effect: () => T | Promise<T>) =>
      this.call(inv, service, operation, effect);
    const ledgerOf = (region: string) => new DrainLedger(() => sfn.ledger(region).client(), LEDGER_TABLE);
    return {
      config: this.config,
      store: {
        load: (workload) => c('dynamodb', 'GetItem', () => table.load(workload)),
        loadStates: (workloads) => c('dynamodb', 'BatchGetItem', () => table.loadStates(workloads)),
        loadForDecision: (workload, regions) =>
          c('dynamodb', 'BatchGetItem', () => ({
            state: table.load(workload),
            regionHealth: Object.fromEntries(
              Object.entries(table.loadRegionHealth()).filter(([region]) => regions.includes(region)),
            ),
          })),
        commit: (next, expected, decision) =>
          c('dynamodb', 'TransactWriteItems', () => table.commit(next, expected, decision)),
        logDecision: (decision) => c('dynamodb', 'PutItem', () => table.logDecision(decision)),
        recordMessageFailure: (id, reason) =>
          c('dynamodb', 'PutItem', () => table.recordMessageFailure(id, reason)),
        loadRegionHealth: () => c('dynamodb', 'Query', () => table.loadRegionHealth()),
        saveRegionHealth: (health, expected) =>
          c('dynamodb', 'PutItem', () => table.saveRegionHealth(health, expected)),
      },
      compute: {
        runBurstTasks: (request) =>
          c('ecs', 'RunTask', () => {
            this.launched.push({ region: request.burstRegion.region, count: request.count, at: this.now });
            return ecs.runBurstTasks(request);
          }),
        describe: (region, cluster, arns) =>
          c('ecs', 'DescribeTasks', () => ecs.describe(region, cluster, arns)),
        listStartedBySpillway: (region, cluster, status) =>
          c('ecs', 'ListTasks', () => ecs.listStartedBySpillway(region, cluster, status)),
      },
      pacer,
      drains: {
        start: (region, name, input) =>
          c('states', 'StartExecution', () => sfn.start(region, name, input, this.now)),
        status: (_region, arn) => c('states', 'DescribeExecution', () => sfn.status(arn)),
      },
      ledger: {
        cancel: (region, request) =>
          c('dynamodb', 'UpdateItem', async () => {
            const outcome = await ledgerOf(region).cancel(region, request);
            if (outcome === 'cancelled') sfn.calledOff.add(`${request.taskArn}|${request.drainId}`);
            return outcome;
          }),
        read: (region, arns) => c('dynamodb', 'BatchGetItem', () => ledgerOf(region).read(region, arns)),
      },
      targets: {
        register: () => c('elbv2', 'RegisterTargets', () => undefined),
        // A drill's task answers its health check: the simulation models no unhealthy target.
        health: () => c('elbv2', 'DescribeTargetHealth', () => 'healthy'),
      },
      drillResults: {
        record: (result) =>
          c('dynamodb', 'PutItem', () => {
            this.drillResults.set(`${result.workload} ${result.region}`, result);
            return true;
          }),
      },
      sites: {
        load: (site) => c('dynamodb', 'GetItem', () => this.siteTable.load(site)),
        save: (next, expected) => c('dynamodb', 'PutItem', () => this.siteTable.save(next, expected)),
      },
      signals: {
        enqueue: (envelopes) =>
          c('sqs', 'SendMessageBatch', () => {
            for (const envelope of envelopes) {
              if (envelope.kind === 'command') this.commands.add(envelope.command.id);
              this.sqs.send(JSON.stringify(envelope));
            }
          }),
      },
      witness: async (target) => ({
        at: this.clock().toISOString(),
        ok: this.witnessOk,
        detail: this.witnessOk
          ? `HTTP ${target.expectStatus}`
          : `no answer within ${target.timeoutSeconds} s`,
      }),
      drainLedgerTable: LEDGER_TABLE,
      clock: this.clock,
      log: this.log,
      metrics: this.metrics,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Invocations: what Lambda would run, each with its own fate
  // -------------------------------------------------------------------------------------------

  /** What an ingest invocation is given: the queue it sends to, the token, no SNS, its clock. */
  private ingestDeps(inv: Invocation, clock: () => Date) {
    return {
      config: this.config,
      queue: {
        enqueue: (envelopes: readonly unknown[]) =>
          this.call(inv, 'sqs', 'SendMessageBatch', () => {
            for (const envelope of envelopes) this.sqs.send(JSON.stringify(envelope));
          }),
      },
      secrets: async () => [TOKEN],
      sns: {
        certificate: async (): Promise<string> => {
          throw new Error('no SNS in the simulation');
        },
        confirmSubscription: async () => {},
      },
      clock,
      log: this.log,
    };
  }

  /** The ingest function answering one webhook delivery; a delivery it did not take is retried later. */
  async ingest(delivery: Delivery): Promise<void> {
    const inv = this.invocation('ingest');
    const deps = { ...this.ingestDeps(inv, this.clock), metrics: this.metrics };
    let response: Awaited<ReturnType<typeof ingestWebhook>> | undefined;
    try {
      response = await ingestWebhook(
        {
          source: 'alertmanager',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(delivery.payload),
        },
        deps,
      );
    } catch (error) {
      if (!(error instanceof Crash))
        this.log.error('ingest invocation failed', { error: (error as Error).message });
    }
    if (inv.dead || !response || response.statusCode >= 500) {
      this.monitor.retryLater(delivery);
      return;
    }
    if (response.statusCode !== 202 && response.statusCode !== 200)
      throw new Error(
        `ingest refused a valid delivery: ${response.statusCode} ${JSON.stringify(response.body)}`,
      );
    for (const id of (response.body.signalIds as string[] | undefined) ?? []) this.accepted.add(id);
  }

  /**
   * The heartbeats that fell due, each through the ingest function at its own time (as a cron job
   * at the site would post it); one the ingest function did not take is lost, as it would be.
   */
  async sendHeartbeats(): Promise<void> {
    const owed = this.owedHeartbeats;
    this.owedHeartbeats = [];
    for (const { site, at } of owed) {
      const deps = this.ingestDeps(this.invocation('ingest'), () => new Date(at));
      await this.scheduling
        .run(ingestHeartbeat({ site, headers: { authorization: `Bearer ${TOKEN}` }, body: '' }, deps))
        .catch(() => undefined);
    }
  }

  /** A site's heartbeats start (one at once) or stop. */
  async setSiteUp(site: string, up: boolean): Promise<void> {
    if (!up) {
      this.sitesUp.delete(site);
      this.owedHeartbeats = this.owedHeartbeats.filter((h) => h.site !== site);
      return;
    }
    this.sitesUp.add(site);
    this.owedHeartbeats.push({ site, at: this.now });
    await this.sendHeartbeats();
  }

  /** One decide invocation: a batch from the queue, acknowledged unless the invocation died. */
  async decide(): Promise<void> {
    const inv = this.invocation('decide');
    const batch = this.sqs.receive(this.options.batchSize ?? 10, this.now, (n) =>
      Math.floor(this.random() * n),
    );
    if (batch.length === 0) return;
    let failed: string[] = batch.map((m) => m.messageId);
    try {
      failed = await this.inInstance('decide', (pacer) =>
        processBatch(
          batch.map((m) => ({ messageId: m.messageId, body: m.body })),
          this.deps(inv, pacer),
        ),
      );
    } catch (error) {
      // processBatch reports failures per message; a throw fails the whole batch, as on Lambda.
      if (!(error instanceof Crash))
        this.log.error('decide invocation failed', { error: (error as Error).message });
      return;
    }
    if (inv.dead) return;
    for (const message of batch) {
      if (failed.includes(message.messageId)) continue;
      this.sqs.delete(message.messageId);
      this.acknowledged.push(message.body);
    }
  }

  /** The reconcile function on its schedule, or on one ECS task state change. */
  async reconcile(event?: unknown): Promise<{ completed: boolean; startedAt: number }> {
    const inv = this.invocation(event ? 'reconcile-event' : 'reconcile');
    const startedAt = this.now;
    try {
      await this.inInstance('reconcile', (pacer) =>
        reconcileOnEvent(
          event ?? { source: 'aws.events', 'detail-type': 'Scheduled Event' },
          this.deps(inv, pacer),
        ),
      );
    } catch (error) {
      // A failed run is Lambda's to report; the next schedule tick runs it again.
      this.log.error('reconcile invocation failed', { error: (error as Error).message });
      return { completed: false, startedAt };
    }
    return { completed: !inv.dead, startedAt };
  }

  /** Step Functions runs every drain execution as far as it can go now. */
  async runWorkflows(): Promise<void> {
    for (let round = 0; round < 400; round++) {
      const moving = this.sfn.running();
      let moved = false;
      for (const execution of moving) {
        await this.scheduling.gate(`sfn ${execution.name} ${execution.state}`);
        if (this.outage.has('states')) return;
        if (this.sfn.step(execution, this.now)) moved = true;
      }
      if (!moved) return;
    }
  }

  /**
   * EventBridge Scheduler (the local runtime's maintenance timer on a laptop): every maintenance
   * command due since the last look goes on the queue, as the schedules CDK creates send it.
   */
  sendDueMaintenance(): void {
    const schedule = maintenanceSchedule(this.config);
    const from = new Date(this.maintenanceSeenUpTo);
    const to = new Date(this.now);
    for (const due of dueCommands(schedule, from, to)) {
      this.commands.add(due.command.id);
      this.sqs.send(scheduledMessageBody(due));
    }
    this.maintenanceSeenUpTo = Math.max(this.maintenanceSeenUpTo, this.now);
  }

  /** An operator command on the queue, as the CLI or a maintenance schedule sends it. */
  sendCommand(command: Omit<OperatorCommand, 'issuedAt'>): void {
    this.commands.add(command.id);
    // Two commands are never issued at the same instant (an operator types one, then the next):
    // the clock stands still between steps here, so each gets the next millisecond.
    this.lastIssuedAt = Math.max(this.now, this.lastIssuedAt + 1);
    this.sqs.send(
      JSON.stringify({
        kind: 'command',
        version: 1,
        command: { ...command, issuedAt: new Date(this.lastIssuedAt).toISOString() },
      }),
    );
  }

  /** The EventBridge event ECS emits for a task's change. */
  taskEvent(task: SimTask, lastStatus = task.lastStatus): unknown {
    return {
      source: 'aws.ecs',
      'detail-type': 'ECS Task State Change',
      region: task.region,
      time: new Date(this.now).toISOString(),
      detail: {
        taskArn: task.taskArn,
        clusterArn: `arn:aws:ecs:${task.region}:${ACCOUNT}:cluster/${task.cluster}`,
        taskDefinitionArn: `arn:aws:ecs:${task.region}:${ACCOUNT}:task-definition/${task.family}:1`,
        lastStatus,
        desiredStatus: lastStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING',
        startedBy: 'spillway',
        ...(task.stopCode ? { stopCode: task.stopCode } : {}),
      },
    };
  }
}
