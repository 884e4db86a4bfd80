import { dirname, resolve } from 'node:path';
import { startLocalRuntime } from './runtime';
import { forgetEndedRuntimes, RUNTIMES_DIRECTORY, runtimeFileOf } from './runtime-files';

/** `make run`: Spillway on the embedded default, until Ctrl-C. */
// The file the CLI reads: SPILLWAY_RUNTIME_FILE as for the CLI, else one per port, which the CLI
// finds by itself. The emulator's record sits beside a named file, else in .local.
const namedFile = process.env.SPILLWAY_RUNTIME_FILE ? resolve(process.env.SPILLWAY_RUNTIME_FILE) : undefined;
const emulatorRecord = resolve(namedFile ? dirname(namedFile) : '.local', 'emulator.json');
const time = () => new Date().toISOString().slice(11, 23);
const log = (line: string) => console.log(`${time()}  ${line}`);

/** SPILLWAY_LOG_FORMAT: `text` (the default, for people) or `json` (the functions' Powertools lines). */
function logFormat(): 'text' | 'json' {
  const asked = process.env.SPILLWAY_LOG_FORMAT ?? 'text';
  if (asked === 'text' || asked === 'json') return asked;
  throw new Error(`SPILLWAY_LOG_FORMAT is '${asked}': it takes text or json`);
}

async function main(): Promise<void> {
  const port = Number(process.env.SPILLWAY_PORT ?? 8787);
  forgetEndedRuntimes(RUNTIMES_DIRECTORY);
  // Read before the runtime starts: it sets SPILLWAY_WEBHOOK_TOKEN for the functions itself.
  const tokenChosen = !!process.env.SPILLWAY_WEBHOOK_TOKEN;
  const runtime = await startLocalRuntime({
    logFormat: logFormat(),
    configPath: process.env.SPILLWAY_CONFIG ?? 'config/local.yaml',
    port,
    ...(process.env.SPILLWAY_AWS_ENDPOINT ? { endpoint: process.env.SPILLWAY_AWS_ENDPOINT } : {}),
    ...(process.env.SPILLWAY_WEBHOOK_TOKEN ? { webhookToken: process.env.SPILLWAY_WEBHOOK_TOKEN } : {}),
    reconcileSeconds: Number(process.env.SPILLWAY_RECONCILE_SECONDS ?? 2),
    emulatorCheckSeconds: Number(process.env.SPILLWAY_EMULATOR_CHECK_SECONDS ?? 2),
    log,
    infoFile: namedFile ?? ((listening) => runtimeFileOf(RUNTIMES_DIRECTORY, listening)),
    emulatorRecord,
  });
  const p = runtime.provisioned;
  const tokenNote = tokenChosen
    ? '(from SPILLWAY_WEBHOOK_TOKEN'
    : '(generated; set SPILLWAY_WEBHOOK_TOKEN to choose';
  // Every source without its own entry in SPILLWAY_WEBHOOK_SECRETS(_FILE) accepts this token.
  console.log(`
Spillway is running locally (${p.effectiveConfig.environment}, control region ${p.effectiveConfig.controlRegion}).

  page        ${runtime.url}/  (live status: alerts, burst tasks, drains, decisions)
  ingest      POST ${runtime.url}/webhooks/alertmanager
  health      GET  ${runtime.url}/healthz
  status      GET  ${runtime.url}/status
  metrics     GET  ${runtime.url}/metrics (Prometheus)
  token       ${runtime.webhookToken} ${tokenNote}; every source's secret unless SPILLWAY_WEBHOOK_SECRETS names it)
  runtime     ${runtime.infoFile} (address and token; the CLI and make demo read it)
  emulator    ${runtime.endpoint} (${runtime.emulator.owned ? `moto, pid ${runtime.emulator.process?.pid}${runtime.emulator.resumed ? ', resumed' : ''}` : 'external'}; AWS_ENDPOINT_URL for the aws CLI)
  recovery    the emulator is probed every ${process.env.SPILLWAY_EMULATOR_CHECK_SECONDS ?? 2} s; ${runtime.emulator.owned ? 'if moto dies it is started again and' : 'if it comes back empty it is'} re-provisioned with the same names and ids
  state       DynamoDB ${p.stateTable}
  signals     SQS ${p.signalsQueueUrl}
  dead letter SQS ${p.signalsDlqUrl}
  alarm rule  EventBridge ${p.alarmRuleName} → signals queue
${Object.entries(p.drainStateMachines)
  .map(([region, arn]) => `  drain       ${region}: ${arn}`)
  .join('\n')}
${p.networkSubstitutions.map((s) => `  network     ${s.region}: ${s.placeholder} → ${s.id} (in the emulator)`).join('\n')}
${p.dialectChanges.map((c) => `  emulator    drain state ${c.state}: ${c.change} (moto dialect; AWS gets the definition as written)`).join('\n')}

Log   one line per thing that happened; SPILLWAY_LOG_FORMAT=json for the functions' JSON lines.
Try:  curl -s -H "Authorization: Bearer ${runtime.webhookToken}" -H 'content-type: application/json' \\
        --data @test/fixtures/alertmanager/webhook-v4-firing.json ${runtime.url}/webhooks/alertmanager
Ctrl-C stops everything this started.
`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    await runtime.stop();
    log('stopped; nothing left running');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: Error) => {
  console.error(`spillway: ${error.message}`);
  process.exit(1);
});
