// zod/mini rather than classic zod: with this file and cloudwatch-alarm.ts on mini the decide bundle
// carries no classic zod (about 92 KB, its methods not tree-shakable), which put it over budget. Same
// core as classic, so the same parsing and the same issues.
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import type { SpillwayConfig } from '../config/schema';
import {
  COMMAND_MAX_COUNT,
  COMMAND_REASON_MAX,
  commandActions,
  type OperatorCommand,
  UNTIL_ACTIONS,
} from '../core/command';
import { parseStrictJson } from '../core/json/strict-json';
import { looksLikeAlarmEvent, normaliseAlarmStateChange } from '../core/normalise/cloudwatch-alarm';
import { describeZodIssues } from '../core/normalise/zod-issues';
import { type Heartbeat, type Signal, signalSources } from '../core/signal';
import { watchedSites } from '../core/site-health';

/**
 * mini ships no messages; without these every generic issue in a DLQ reason would read "Invalid
 * input" where classic said which field and why. Per parse, not through `z.config`, and `en` by
 * name, not `z.locales` (every locale, about 250 KB): see src/config/parse.ts.
 */
const englishMessages = { error: en().localeError };

const nonEmpty = () => z.string().check(z.minLength(1));

const isoTime = z.iso.datetime({ offset: true });

const signalSchema = z.object({
  id: nonEmpty(),
  source: z.enum(signalSources),
  workload: nonEmpty(),
  alertKey: nonEmpty(),
  state: z.enum(['firing', 'resolved']),
  severity: z.enum(['info', 'warning', 'critical']),
  value: z.optional(z.number()),
  observedAt: isoTime,
  dedupKey: nonEmpty(),
  summary: z.optional(z.string()),
  name: z.optional(z.string().check(z.maxLength(64))),
});

/** The single-signal envelope ingest sent before batching; still in flight during a deploy. */
const singleEnvelopeSchema = z.object({
  kind: z.literal('signal'),
  version: z.literal(1),
  signal: signalSchema,
});

/** One workload's signals from one delivery. */
const batchEnvelopeSchema = z.object({
  kind: z.literal('signals'),
  version: z.literal(1),
  workload: nonEmpty(),
  signals: z.array(signalSchema).check(z.minLength(1)),
});

/** Ids end up in dedup keys and decision ids: the same boring characters as dedup keys. */
const commandId = z
  .string()
  .check(z.regex(/^[A-Za-z0-9+=.:_/@-]{1,128}$/, 'must be 1-128 letters, digits or + = . : _ / @ -'));

/**
 * One operator command from the CLI or a maintenance schedule; a count only where it means
 * something, `until` only on pause and evacuate, `window` only on the evacuation commands.
 */
const commandSchema = z
  .strictObject({
    id: commandId,
    workload: nonEmpty(),
    action: z.enum(commandActions),
    // Checks in classic's order (integer, minimum, maximum), so issues come in it too.
    count: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(COMMAND_MAX_COUNT))),
    reason: z
      .string()
      .check(z.trim(), z.minLength(1, 'an operator command needs a reason'), z.maxLength(COMMAND_REASON_MAX)),
    requestedBy: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    until: z.optional(isoTime),
    window: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    exceedSpendGuard: z.optional(z.boolean()),
    issuedAt: isoTime,
  })
  .check(
    z.superRefine((command, ctx) => {
      const counted = command.action === 'burst' || command.action === 'drain';
      if (counted && command.count === undefined)
        ctx.addIssue({ code: 'custom', path: ['count'], message: `${command.action} needs a count` });
      if (!counted && command.count !== undefined)
        ctx.addIssue({ code: 'custom', path: ['count'], message: `${command.action} takes no count` });
      if (command.until !== undefined && !UNTIL_ACTIONS.includes(command.action))
        ctx.addIssue({ code: 'custom', path: ['until'], message: 'only pause and evacuate take until' });
      if (command.exceedSpendGuard !== undefined && command.action !== 'evacuate')
        ctx.addIssue({
          code: 'custom',
          path: ['exceedSpendGuard'],
          message: 'only evacuate takes exceedSpendGuard',
        });
      if (
        command.window !== undefined &&
        command.action !== 'evacuate' &&
        command.action !== 'end_evacuation'
      )
        ctx.addIssue({
          code: 'custom',
          path: ['window'],
          message: 'only evacuate and end_evacuation take window',
        });
    }),
  );

/**
 * What the decide function would say is wrong with a command, or undefined when nothing is: the
 * CLI checks what it sends with the very schema the queue's consumer applies.
 */
export function commandIssues(command: OperatorCommand): string | undefined {
  const parsed = z.safeParse(commandSchema, command, englishMessages);
  return parsed.success ? undefined : describeZodIssues(parsed.error).message;
}

const commandEnvelopeSchema = z.object({
  kind: z.literal('command'),
  version: z.literal(1),
  command: commandSchema,
});

/** A site's heartbeat, from `POST /heartbeats/<site>` or a Watchdog alert. */
const heartbeatEnvelopeSchema = z.object({
  kind: z.literal('heartbeat'),
  version: z.literal(1),
  heartbeat: z.strictObject({
    site: nonEmpty(),
    at: isoTime,
    source: z.enum(['http', 'alertmanager-watchdog']),
  }),
});

const envelopeSchema = z.discriminatedUnion('kind', [
  singleEnvelopeSchema,
  batchEnvelopeSchema,
  commandEnvelopeSchema,
  heartbeatEnvelopeSchema,
]);

export type ParsedMessage =
  | {
      readonly ok: true;
      readonly signals: readonly Signal[];
      /** Present only when the message is an operator command. */
      readonly commands?: readonly OperatorCommand[];
      /** Present only when the message is a site's heartbeat. */
      readonly heartbeats?: readonly Heartbeat[];
      readonly note?: string;
    }
  | { readonly ok: false; readonly reason: string };

/**
 * A queue message is either a signal envelope from the ingest function (one workload's signals
 * from one delivery, or a single signal from before batching) or a CloudWatch alarm
 * event that EventBridge put there directly. Anything else is a poison message. An alarm event
 * has no sender to answer, so a defect that a webhook would get a 4xx for dead-letters it, with the
 * same error code and message as its reason.
 */
export function parseQueueMessage(
  body: string,
  config: SpillwayConfig,
  now: Date = new Date(),
): ParsedMessage {
  const json = parseStrictJson(body);
  if (!json.ok) return { ok: false, reason: `message body is not JSON: ${json.message} (${json.problem})` };
  const document = json.value;
  const known = new Set(config.workloads.map((w) => w.name));
  if (looksLikeAlarmEvent(document)) {
    const result = normaliseAlarmStateChange(document, config.signals.cloudwatch.alarms, now);
    if (!result.ok) return { ok: false, reason: `${result.message} (${result.code})` };
    const note = result.ignored.map((i) => `${i.item}: ${i.reason}`).join('; ');
    return { ok: true, signals: result.signals, ...(note ? { note } : {}) };
  }
  const parsed = z.safeParse(envelopeSchema, document, englishMessages);
  if (!parsed.success)
    return { ok: false, reason: `not a signal envelope: ${describeZodIssues(parsed.error).message}` };
  if (parsed.data.kind === 'heartbeat') {
    const { site, at, source } = parsed.data.heartbeat;
    // A site taken out of the config while its heartbeats were in flight: nothing to record.
    if (!watchedSites(config).some((w) => w.site === site))
      return { ok: true, signals: [], note: `heartbeat of site ${site}, which is not watched for loss` };
    return { ok: true, signals: [], heartbeats: [{ site, at: new Date(at).toISOString(), source }] };
  }
  if (parsed.data.kind === 'command') {
    const { until, ...rest } = parsed.data.command;
    const command: OperatorCommand = {
      ...rest,
      // Times compared as text, like observedAt: one form, UTC with milliseconds.
      issuedAt: new Date(rest.issuedAt).toISOString(),
      ...(until !== undefined ? { until: new Date(until).toISOString() } : {}),
    };
    if (!known.has(command.workload))
      return { ok: false, reason: `command names unknown workload ${command.workload}` };
    return { ok: true, signals: [], commands: [command] };
  }
  const listed = parsed.data.kind === 'signal' ? [parsed.data.signal] : parsed.data.signals;
  // Stale checks compare times as text: every time is held in one form, UTC with milliseconds.
  const signals: Signal[] = listed.map((signal) => ({
    ...(signal as Signal),
    observedAt: new Date(signal.observedAt).toISOString(),
  }));
  const unknown = signals.find((signal) => !known.has(signal.workload));
  if (unknown) return { ok: false, reason: `signal names unknown workload ${unknown.workload}` };
  return { ok: true, signals };
}
