import * as z from 'zod';
import type { SpillwayConfig } from '../config/schema';
import { commandActions, type OperatorCommand } from '../core/command';
import { looksLikeAlarmEvent, normaliseAlarmStateChange } from '../core/normalise/cloudwatch-alarm';
import { describeZodIssues } from '../core/normalise/zod-issues';
import { type Signal, signalSources } from '../core/signal';

const isoTime = z.iso.datetime({ offset: true });

const signalSchema = z.object({
  id: z.string().min(1),
  source: z.enum(signalSources),
  workload: z.string().min(1),
  alertKey: z.string().min(1),
  state: z.enum(['firing', 'resolved']),
  severity: z.enum(['info', 'warning', 'critical']),
  value: z.number().optional(),
  observedAt: isoTime,
  dedupKey: z.string().min(1),
  summary: z.string().optional(),
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
  workload: z.string().min(1),
  signals: z.array(signalSchema).min(1),
});

/** Ids end up in dedup keys and decision ids: the same boring characters as dedup keys. */
const commandId = z
  .string()
  .regex(/^[A-Za-z0-9+=.:_/@-]{1,128}$/, 'must be 1-128 letters, digits or + = . : _ / @ -');

/**
 * One operator command from the CLI or a maintenance schedule; a count only where it means
 * something, `until` only on pause and evacuate, `window` only on the evacuation commands.
 */
const commandSchema = z
  .strictObject({
    id: commandId,
    workload: z.string().min(1),
    action: z.enum(commandActions),
    count: z.number().int().min(1).max(1000).optional(),
    reason: z.string().trim().min(1, 'an operator command needs a reason').max(500),
    requestedBy: z.string().min(1).max(128).optional(),
    until: isoTime.optional(),
    window: z.string().min(1).max(64).optional(),
    issuedAt: isoTime,
  })
  .superRefine((command, ctx) => {
    const counted = command.action === 'burst' || command.action === 'drain';
    if (counted && command.count === undefined)
      ctx.addIssue({ code: 'custom', path: ['count'], message: `${command.action} needs a count` });
    if (!counted && command.count !== undefined)
      ctx.addIssue({ code: 'custom', path: ['count'], message: `${command.action} takes no count` });
    if (command.until !== undefined && command.action !== 'pause' && command.action !== 'evacuate')
      ctx.addIssue({ code: 'custom', path: ['until'], message: 'only pause and evacuate take until' });
    if (command.window !== undefined && command.action !== 'evacuate' && command.action !== 'end_evacuation')
      ctx.addIssue({
        code: 'custom',
        path: ['window'],
        message: 'only evacuate and end_evacuation take window',
      });
  });

const commandEnvelopeSchema = z.object({
  kind: z.literal('command'),
  version: z.literal(1),
  command: commandSchema,
});

const envelopeSchema = z.discriminatedUnion('kind', [
  singleEnvelopeSchema,
  batchEnvelopeSchema,
  commandEnvelopeSchema,
]);

export type ParsedMessage =
  | {
      readonly ok: true;
      readonly signals: readonly Signal[];
      /** Present only when the message is an operator command. */
      readonly commands?: readonly OperatorCommand[];
      readonly note?: string;
    }
  | { readonly ok: false; readonly reason: string };

/**
 * A queue message is either a signal envelope from the ingest function (one workload's signals
 * from one delivery, or a single signal from before batching) or a CloudWatch alarm
 * event that EventBridge put there directly. Anything else is a poison message.
 */
export function parseQueueMessage(body: string, config: SpillwayConfig): ParsedMessage {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (error) {
    return { ok: false, reason: `message body is not JSON: ${(error as Error).message}` };
  }
  const known = new Set(config.workloads.map((w) => w.name));
  if (looksLikeAlarmEvent(document)) {
    const result = normaliseAlarmStateChange(document, config.signals.cloudwatch.alarms);
    if (!result.ok) return { ok: false, reason: result.message };
    const note = result.ignored.map((i) => `${i.item}: ${i.reason}`).join('; ');
    return { ok: true, signals: result.signals, ...(note ? { note } : {}) };
  }
  const parsed = envelopeSchema.safeParse(document);
  if (!parsed.success)
    return { ok: false, reason: `not a signal envelope: ${describeZodIssues(parsed.error).message}` };
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
