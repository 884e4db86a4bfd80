import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BurstCompute } from '../adapters/burst-compute';
import { clientConfig, perRegion } from '../adapters/client-config';
import { DrainLedger } from '../adapters/drain-ledger';
import { DrillResults } from '../adapters/drill-results';
import { SiteStore } from '../adapters/site-store';
import { StateStore } from '../adapters/state-store';
import { loadConfigFile } from '../config/load';
import { sealConfig } from '../config/seal';
import { ENV } from '../runtime/env-names';
import { setLocalLog } from '../runtime/log-sink';
import { setLocalMetrics } from '../runtime/metrics-sink';
import { DECIDE_BATCHES_AT_ONCE } from '../usecases/process-batch';
import { statusReport } from '../usecases/status';
import { recordAwsCalls } from './call-recorder';
import { startDrillTimer } from './drill-timer';
import { type Emulator, externalEmulator, startMoto } from './emulator';
import { emulatorProbe } from './emulator-health';
import { keptEmulator } from './emulator-record';
import { createGate } from './gate';
import { startHttpServer } from './http-server';
import { lambdaContext } from './lambda-context';
import { startMaintenanceTimer } from './maintenance-timer';
import { processGone } from './moto-process';
import { narrateBatch, narratingLog } from './narrator';
import { assertPortFree } from './port-check';
import { localMetrics } from './prometheus-metrics';
import { type Provisioned, provision, provisionDrift } from './provision';
import { startReconcileTimer } from './reconcile-timer';
import { type EmulatorStatus, emulatorRecovery, superviseEmulator } from './recovery';
import { recordRuntime } from './runtime-files';
import { startSqsPoller } from './sqs-poller';
import { statusView } from './status-view';

export interface LocalRuntimeOptions {
  readonly configPath: string;
  /** Port of the ingest endpoint; 0 picks a free one. */
  readonly port: number;
  /** Use this emulator (LocalStack, a running moto) instead of starting moto. */
  readonly endpoint?: string;
  readonly webhookToken?: string;
  /**
   * Where the moto this runtime starts is recorded: moto then outlives a crash of the runtime, and
   * the next start resumes with it. Without it moto dies with the runtime.
   */
  readonly emulatorRecord?: string;
  /** How often the reconciler runs; on AWS, every minute. */
  readonly reconcileSeconds: number;
  /** How often the emulator is probed for a crash or a restart; 0 turns recovery off. Default 2. */
  readonly emulatorCheckSeconds?: number;
  readonly log: (line: string) => void;
  /**
   * `text` (the default): the functions' log as one line per thing that happened, through `log`.
   * `json`: their Powertools JSON lines on stdout, as CloudWatch Logs gets them.
   */
  readonly logFormat?: 'text' | 'json';
  /**
   * Where to write the runtime's address and token for `make demo` and the CLI, or how to name
   * that file from the port listened on (known only then when `port` is 0). Removed on stop.
   */
  readonly infoFile?: string | ((port: number) => string);
  /**
   * A JSON-lines file to append every AWS call of the functions to (see call-recorder.ts): the
   * integration suite's record, which the permission check evaluates against the deployed roles.
   */
  readonly callLog?: string;
}

export interface LocalRuntime {
  readonly url: string;
  /** The file the runtime recorded itself in, when it was asked to. */
  readonly infoFile: string | undefined;
  readonly endpoint: string;
  readonly webhookToken: string;
  readonly provisioned: Provisioned;
  readonly emulator: Emulator;
  /** Whether the emulator is up, and how many times it was restored after a crash or restart. */
  emulatorStatus(): { readonly status: EmulatorStatus; readonly restorations: number };
  /** Runs the reconciler once, now (tests use it instead of waiting for the timer). */
  reconcileNow(): Promise<unknown>;
  /** Resolves when the signals queue has been seen empty with no batch in flight. */
  queueIdle(): Promise<void>;
  stop(): Promise<void>;
}

let narration: (line: string) => void = () => {};

/** A runtime that was killed could not remove its effective config; nothing reads it any more. */
function removeConfigsOfEndedRuntimes(stateDir: string): void {
  for (const name of readdirSync(stateDir)) {
    const pid = /^config\.(\d+)\.json$/.exec(name)?.[1];
    if (pid && processGone(Number(pid))) rmSync(resolve(stateDir, name), { force: true });
  }
}

/**
 * Starts Spillway on the embedded default: an emulator, the same resources the CDK stacks
 * create, and stand-ins for the Lambda service only (an HTTP server for ingest, an SQS poller for
 * decide, a timer for reconcile). Everything past that boundary is the production code.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log;
  // Emulators accept any credentials; the SDK still wants some before it signs a request.
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const config = loadConfigFile(options.configPath);
  // Before minutes of provisioning, not after: a busy port fails in a second, saying why.
  if (options.port !== 0) await assertPortFree(options.port);
  // A first start is silent for half a minute otherwise: each step says so as it begins.
  const started = Date.now();
  const took = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  log(
    options.endpoint
      ? `using the emulator at ${options.endpoint}`
      : 'starting the AWS emulator (moto) on loopback',
  );
  const emulator: Emulator = options.endpoint
    ? externalEmulator(options.endpoint)
    : options.emulatorRecord
      ? await keptEmulator(options.emulatorRecord, log)
      : await startMoto({ log });
  if (!options.endpoint) log(`emulator up at ${emulator.endpoint} after ${took()}`);
  const cleanups: (() => Promise<void>)[] = [() => emulator.stop()];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const provisioned = await provision(config, emulator.endpoint, undefined, log);
    log(`provisioned after ${took()}; loading the functions`);
    const stateDir = resolve('.local');
    mkdirSync(stateDir, { recursive: true });
    removeConfigsOfEndedRuntimes(stateDir);
    const effectiveConfigPath = resolve(stateDir, `config.${process.pid}.json`);
    writeFileSync(effectiveConfigPath, sealConfig(provisioned.effectiveConfig, 'the effective local config'));
    cleanups.push(async () => rmSync(effectiveConfigPath, { force: true }));

    const webhookToken = options.webhookToken ?? randomBytes(24).toString('base64url');
    // What CDK sets on the functions, set here for the same handlers.
    Object.assign(process.env, {
      [ENV.config]: effectiveConfigPath,
      [ENV.stateTable]: provisioned.stateTable,
      [ENV.signalsQueueUrl]: provisioned.signalsQueueUrl,
      [ENV.drainLedgerTable]: provisioned.drainLedgerTable,
      [ENV.drainStateMachines]: JSON.stringify(provisioned.drainStateMachines),
      [ENV.awsEndpoint]: emulator.endpoint,
      [ENV.webhookToken]: webhookToken,
      // JSON is asked for to see everything; narrated, Powertools prints only what slips past the port.
      POWERTOOLS_LOG_LEVEL:
        process.env.POWERTOOLS_LOG_LEVEL ??
        process.env.SPILLWAY_LOG_LEVEL ??
        (options.logFormat === 'json' ? 'INFO' : 'WARN'),
    });
    // EMF is CloudWatch's format, noise on a terminal: here the functions record into the registry
    // `GET /metrics` exposes. Set before the handlers load, since they pick their sink at load.
    const metrics = localMetrics();
    setLocalMetrics((settings) => metrics.sink(settings.config.environment));
    const narrated = options.logFormat !== 'json';
    // The handlers keep the Log they were given at load: lines go to whichever runtime runs now.
    narration = log;
    setLocalLog(narrated ? (fn) => narratingLog(fn, (line) => narration(line)) : undefined);
    if (options.callLog) {
      const stopRecording = recordAwsCalls(options.callLog, config.environment);
      cleanups.push(async () => stopRecording());
    }
    const ingest = await import('../../functions/ingest/handler');
    const decide = await import('../../functions/decide/handler');
    const reconcile = await import('../../functions/reconcile/handler');

    const control = config.controlRegion;
    const sqs = new SQSClient(clientConfig(control, emulator.endpoint));
    const queueArn = (
      await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: provisioned.signalsQueueUrl,
          AttributeNames: ['QueueArn'],
        }),
      )
    ).Attributes?.QueueArn as string;
    // Everything below that calls the emulator on its own passes this gate; recovery closes it.
    const gate = createGate();
    const poller = startSqsPoller({
      sqs,
      queueUrl: provisioned.signalsQueueUrl,
      queueArn,
      region: control,
      handler: (event, context) => {
        if (narrated) for (const line of narrateBatch(event)) log(line);
        return decide.handler(event, context);
      },
      retrySeconds: 1,
      concurrency: DECIDE_BATCHES_AT_ONCE,
      gate,
      onBatch: (report) => {
        // Narrated, a batch that went through is already told message by message.
        if (narrated && report.failed === 0 && !report.error) return;
        log(
          report.error
            ? `decide: ${report.received} message(s), ${report.failed} to retry: ${report.error}`
            : `decide: ${report.received} message(s), ${report.failed} to retry`,
        );
      },
    });
    cleanups.push(() => poller.stop());

    const reconciler = startReconcileTimer({
      run: () => reconcile.handler({}, lambdaContext('spillway-reconcile', 60)),
      everySeconds: options.reconcileSeconds,
      gate,
      log,
    });
    cleanups.push(() => reconciler.stop());

    // Maintenance windows and drill schedules: on AWS EventBridge Scheduler sends these commands;
    // here timers send the same message bodies to the same queue, behind the gate like every other
    // caller (nothing reaches moto while it is re-provisioned).
    const sendScheduled = async (body: string) => {
      const leave = await gate.enter();
      try {
        await sqs.send(new SendMessageCommand({ QueueUrl: provisioned.signalsQueueUrl, MessageBody: body }));
      } finally {
        leave();
      }
    };
    const maintenance = startMaintenanceTimer({ config, send: sendScheduled, intervalMs: 1000, log });
    cleanups.push(() => maintenance());
    const drills = startDrillTimer({ config, send: sendScheduled, intervalMs: 1000, log });
    cleanups.push(() => drills());

    // One client for every reader of the state table the page and the scrapes use.
    const statusDynamo = new DynamoDBClient(clientConfig(control, emulator.endpoint));
    const statusStore = new StateStore(provisioned.stateTable, statusDynamo);
    const statusSites = new SiteStore(provisioned.stateTable, statusDynamo);
    const statusDeps = {
      config: provisioned.effectiveConfig,
      store: statusStore,
      loadSites: () => statusSites.loadAll(),
      compute: new BurstCompute(
        perRegion((region) => new ECSClient(clientConfig(region, emulator.endpoint))),
      ),
      loadRegionHealth: () => statusStore.loadRegionHealth(),
      drillResults: new DrillResults(provisioned.stateTable, statusDynamo),
      // The page shows each drain's workflow step, which only the ledger has.
      ledger: new DrainLedger(
        perRegion((region) => new DynamoDBClient(clientConfig(region, emulator.endpoint))),
        provisioned.drainLedgerTable,
      ),
    };
    // Counts per state need no drain steps: a scrape reads no ledger.
    metrics.readBurstTasksFrom(() => statusReport({ ...statusDeps, ledger: undefined }));
    let stopping = false;
    const recovery = emulatorRecovery({
      endpoint: emulator.endpoint,
      probe: emulatorProbe({
        endpoint: emulator.endpoint,
        region: control,
        signalsQueueUrl: provisioned.signalsQueueUrl,
        stateTable: provisioned.stateTable,
      }),
      ...(emulator.process ? { process: emulator.process } : {}),
      gate,
      restore: async () =>
        provisionDrift(provisioned, await provision(config, emulator.endpoint, provisioned)),
      log,
    });
    const server: Server = await startHttpServer(
      {
        ingest: ingest.handler,
        status: () => statusView(statusDeps),
        metrics: () => metrics.expose(),
        health: () => {
          if (stopping) return 'stopping';
          const status = recovery.status();
          return status === 'up' ? 'ok' : status === 'down' ? 'emulator down' : 'restoring the emulator';
        },
        admit: () => gate.tryEnter(),
        onRequest: log,
      },
      options.port,
    );
    cleanups.push(
      () =>
        new Promise<void>((done) => {
          stopping = true;
          server.close(() => done());
          server.closeAllConnections();
        }),
    );
    const checkSeconds = options.emulatorCheckSeconds ?? 2;
    if (checkSeconds > 0) {
      const supervisor = superviseEmulator(recovery, checkSeconds * 1000);
      cleanups.push(async () => {
        await supervisor.stop();
        // Whatever waits at the gate must get through to stop: at worst it fails on a dead emulator.
        gate.open();
      });
    }
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const url = `http://127.0.0.1:${port}`;

    const infoFile = typeof options.infoFile === 'function' ? options.infoFile(port) : options.infoFile;
    if (infoFile) {
      const forget = recordRuntime(infoFile, {
        url,
        endpoint: emulator.endpoint,
        webhookToken,
        pid: process.pid,
        ...provisioned,
      });
      // Last in, so first out on stop: the CLI stops finding a runtime that is shutting down.
      cleanups.push(async () => forget());
    }
    return {
      url,
      infoFile,
      endpoint: emulator.endpoint,
      webhookToken,
      provisioned,
      emulator,
      emulatorStatus: () => ({ status: recovery.status(), restorations: recovery.restorations() }),
      reconcileNow: () => reconciler.now(),
      queueIdle: () => poller.idle(),
      stop: stopAll,
    };
  } catch (error) {
    if (emulator.resumed) {
      // It holds what the runtime before accepted; stopping it would lose that. The next start resumes it.
      cleanups.shift();
      log(`left moto (pid ${emulator.process?.pid}) running with what it holds`);
    }
    await stopAll();
    throw error;
  }
}
