import * as z from 'zod';
import type { Signal } from '../signal';
import { makeSignal } from './make-signal';
import { type NormaliseResult, reject, unknownWorkloads } from './result';
import { observedTime } from './time';
import { describeZodIssues } from './zod-issues';

/** The identifier form the generic body asks for: tag-safe, no blanks. */
const identifier = z
  .string()
  .min(1)
  .max(160)
  .regex(/^[A-Za-z0-9+\-=._:/@]+$/, 'must be letters, digits and + - = . _ : / @ only');

/**
 * `spillway.signal/v1`: the documented body for any sender without its own format, published as
 * JSON Schema in `schemas/generic-signal.v1.json` (kept in step by a unit test).
 */
export const genericSignalSchema = z.strictObject({
  workload: z.string().min(1).max(64),
  /** The alert's identity: what fires and later resolves. */
  alert: identifier,
  state: z.enum(['firing', 'resolved']),
  severity: z.enum(['info', 'warning', 'critical']).default('warning'),
  /** When the sender observed this state (RFC 3339). */
  observedAt: z.iso.datetime({ offset: true }),
  /** Names one firing episode; the firing and resolved signals of it share it. observedAt when absent. */
  episode: identifier.optional(),
  value: z.number().optional(),
  summary: z.string().max(4096).optional(),
});

export const genericPayloadSchema = z.strictObject({
  schema: z.literal('spillway.signal/v1'),
  signals: z.array(genericSignalSchema).min(1).max(1000),
});

/** Translates a `spillway.signal/v1` body; the episode is alert + episode (or observedAt) + state. */
export function normaliseGeneric(
  body: unknown,
  knownWorkloads: ReadonlySet<string>,
  now: Date,
): NormaliseResult {
  const parsed = genericPayloadSchema.safeParse(body);
  if (!parsed.success) {
    const { message, fields } = describeZodIssues(parsed.error);
    return reject('malformed', `not a spillway.signal/v1 body: ${message}`, fields);
  }
  const signals: Signal[] = [];
  const unknown = new Set<string>();
  for (const [index, item] of parsed.data.signals.entries()) {
    if (!knownWorkloads.has(item.workload)) {
      unknown.add(item.workload);
      continue;
    }
    const observed = observedTime(item.observedAt, now, `signals[${index}].observedAt`);
    if (!observed.ok) return observed;
    signals.push(
      makeSignal({
        source: 'generic',
        workload: item.workload,
        identity: item.alert,
        state: item.state,
        severity: item.severity,
        observedAt: observed.iso,
        episode: [item.alert, item.episode ?? item.observedAt, item.state],
        ...(item.value !== undefined ? { value: item.value } : {}),
        ...(item.summary ? { summary: item.summary } : {}),
        name: item.alert,
      }),
    );
  }
  if (unknown.size > 0) return unknownWorkloads(unknown, 'signals[].workload');
  return { ok: true, signals, ignored: [] };
}
