import type { SQSEvent } from 'aws-lambda';
import { taskLabel } from '../core/ids';
import type { FunctionName } from '../runtime/client-hooks';
import type { Log } from '../usecases/ports';

type Fields = Readonly<Record<string, unknown>>;
type Level = 'info' | 'warn' | 'error';

const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
const taskOf = (fields: Fields): string => taskLabel(text(fields.region), text(fields.taskArn));
const plural = (n: unknown, word: string) => `${text(n)} ${word}${n === 1 ? '' : 's'}`;

/** Lines for the messages the functions log about what happened; undefined for the rest. */
const STORIES: Readonly<Record<string, (f: Fields) => string | undefined>> = {
  decision: (f) =>
    // A periodic evaluation that changed nothing is a heartbeat, not news.
    f.action === 'hold' && f.signals === 0 && !f.commands
      ? undefined
      : `${text(f.workload)}: ${text(f.action).replace('_', ' ')}${f.dryRun ? ' (dry-run)' : ''}: ${text(f.reason)}`,
  'burst tasks started': (f) =>
    f.started === 0
      ? undefined
      : `${text(f.workload)}: ${plural(f.started, 'task')} started in ${text(f.region)}${f.spot ? ` (${text(f.spot)} Spot)` : ''}`,
  'burst tasks not started': (f) =>
    `${text(f.workload)}: launch in ${text(f.region)} failed: ${text(f.failures)}${
      Array.isArray(f.movedTo) && f.movedTo.length > 0 ? `; moved to ${f.movedTo.join(', ')}` : ''
    }`,
  'drain started': (f) =>
    f.alreadyStarted
      ? undefined
      : `${text(f.workload)}: drain started for ${taskOf(f)} (stops it after ${text(f.drainSeconds)} s)`,
  'drain succeeded': (f) => `${text(f.workload)}: drain succeeded, ${taskOf(f)} stopped`,
  'drain failed': (f) => `${text(f.workload)}: drain of ${taskOf(f)} failed: ${text(f.reason)}`,
  'drain cancelled': (f) => `${text(f.workload)}: drain of ${taskOf(f)} cancelled: pressure came back`,
  'launch breaker opened': (f) =>
    `launch breaker OPEN in ${text(f.region)} until ${text(f.until)}: ${text(f.reason)}`,
  'burst task stopped on its own': (f) =>
    `${text(f.workload)}: reconcile found ${taskOf(f)} stopped on its own (${text(f.reason)})`,
  'site state changed': (f) => `site ${text(f.site)}: ${text(f.from)} → ${text(f.to)}: ${text(f.reason)}`,
  'site loss commands sent': (f) =>
    `site ${text(f.site)}: ${text(f.action)} sent for ${Array.isArray(f.workloads) && f.workloads.length > 0 ? f.workloads.join(', ') : 'no workload'}`,
  'drill task started': (f) => `${text(f.workload)}: drill ${text(f.drillId)} started ${taskOf(f)}`,
  'drill refused': (f) => `${text(f.workload)}: drill in ${text(f.region)} refused: ${text(f.reason)}`,
  'drill drain started': (f) =>
    `${text(f.workload)}: drill in ${text(f.region)} draining${f.error ? ` (failed: ${text(f.error)})` : ''}`,
  'drill passed': (f) =>
    `${text(f.workload)}: drill in ${text(f.region)} passed (RUNNING after ${text(f.secondsToRunning)} s${f.secondsToHealthy !== null && f.secondsToHealthy !== undefined ? `, healthy after ${text(f.secondsToHealthy)} s` : ''}, drained)`,
  'drill failed': (f) => `${text(f.workload)}: drill in ${text(f.region)} FAILED: ${text(f.error)}`,
  'orphaned burst tasks recorded': (f) =>
    `${text(f.workload)}: reconcile adopted ${plural(f.adopted, 'orphaned task')}`,
};

/** One line for a person, or undefined when the message is not worth one. */
export function narrate(
  fn: FunctionName,
  level: Level,
  message: string,
  fields: Fields = {},
): string | undefined {
  const story = STORIES[message];
  if (story) return story(fields);
  if (level === 'info') return undefined;
  const details = Object.entries(fields)
    .map(([key, value]) => `${key}=${text(value)}`)
    .join(' ');
  return `${fn} ${level}: ${message}${details ? ` (${details})` : ''}`;
}

/** The functions' Log port, narrated to `print` instead of written as JSON. */
export function narratingLog(fn: FunctionName, print: (line: string) => void): Log {
  const say = (level: Level) => (message: string, fields?: Fields) => {
    const line = narrate(fn, level, message, fields);
    if (line) print(line);
  };
  return { info: say('info'), warn: say('warn'), error: say('error') };
}

interface QueuedSignal {
  readonly source?: string;
  readonly workload?: string;
  readonly alertKey?: string;
  readonly state?: string;
  readonly summary?: string;
  readonly name?: string;
}

/** The alert by the name people call it, its key after it (the key is what the state and log use). */
const signalLine = (s: QueuedSignal) =>
  `signal in: ${s.source} ${s.state} ${s.name ? `${s.name} (${s.alertKey})` : s.alertKey}${s.summary ? ` "${s.summary}"` : ''} for ${s.workload}`;

/**
 * The signals of a decide batch as they leave the queue, one line each: where the local runtime
 * can name them (alert, summary, workload) without reaching into the ingest function.
 */
export function narrateBatch(event: SQSEvent): string[] {
  return event.Records.flatMap((record) => {
    let body: {
      kind?: string;
      signal?: QueuedSignal;
      signals?: QueuedSignal[];
      command?: { action?: string; workload?: string; requestedBy?: string };
      'detail-type'?: string;
      detail?: { alarmName?: string; state?: { value?: string } };
    };
    try {
      body = JSON.parse(record.body);
    } catch {
      return [];
    }
    if (body.kind === 'signal' && body.signal) return [signalLine(body.signal)];
    if (body.kind === 'signals' && body.signals) return body.signals.map(signalLine);
    if (body.kind === 'command' && body.command)
      return [
        `operator: ${body.command.action} ${body.command.workload} by ${body.command.requestedBy ?? '?'}`,
      ];
    if (body['detail-type'])
      return [`signal in: cloudwatch ${body.detail?.alarmName} is ${body.detail?.state?.value}`];
    return [];
  });
}
