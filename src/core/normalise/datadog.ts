import * as z from 'zod';
import type { Severity } from '../signal';
import { makeSignal } from './make-signal';
import { type NormaliseResult, reject, unknownWorkloads } from './result';
import { cleanText } from './text';
import { observedTime } from './time';
import { describeZodIssues } from './zod-issues';

const text = z.union([z.string().max(16_384), z.number()]).transform((v) => String(v).trim());

/**
 * Datadog's webhook body: its default payload (`body`, `last_updated`, `event_type`, `title`,
 * `date`, `org`, `id`) plus the template variables docs/ingest.md asks for (`alert_id`,
 * `alert_transition`, `alert_scope`, `tags`, `alert_type`…). Datadog expands every variable to text.
 */
export const datadogPayloadSchema = z.object({
  id: text.optional(),
  title: text.optional(),
  body: text.optional(),
  date: text.optional(),
  last_updated: text.optional(),
  event_type: text.optional(),
  alert_id: text.optional(),
  alert_transition: text.optional(),
  alert_type: text.optional(),
  alert_priority: text.optional(),
  alert_scope: text.optional(),
  alert_title: text.optional(),
  alert_metric: text.optional(),
  tags: z.union([text, z.array(z.string().max(1024))]).optional(),
});

export interface DatadogMapping {
  readonly workloadTag: string;
  readonly knownWorkloads: ReadonlySet<string>;
}

/** $ALERT_TRANSITION values, and the `[Triggered]` prefix Datadog puts on titles otherwise. */
const transitions: Record<string, { state: 'firing' | 'resolved'; severity?: Severity } | 'ignore'> = {
  triggered: { state: 'firing' },
  're-triggered': { state: 'firing' },
  warn: { state: 'firing', severity: 'warning' },
  're-warn': { state: 'firing', severity: 'warning' },
  recovered: { state: 'resolved' },
  'no data': 'ignore',
  're-no data': 'ignore',
  renotify: 'ignore',
};

/** The default payload has no transition: its title starts `[P2] [Triggered on {host:web01}] …`. */
const TITLE_TRANSITION =
  /\[(Triggered|Re-Triggered|Recovered|Warn|Re-Warn|No Data|Re-No Data)(?: on [^\]]*)?\]/i;

/**
 * Translates one Datadog monitor notification. The episode is the monitor (alert) id, its scope,
 * the transition and the last-updated time: Datadog's 5 retries and renotifications deduplicate.
 */
export function normaliseDatadog(body: unknown, mapping: DatadogMapping, now: Date): NormaliseResult {
  const parsed = datadogPayloadSchema.safeParse(body);
  if (!parsed.success) {
    const { message, fields } = describeZodIssues(parsed.error);
    return reject('malformed', `not a Datadog webhook body: ${message}`, fields);
  }
  const event = parsed.data;
  const title = event.alert_title || event.title || '';
  const name = cleanText(title || `alert ${event.alert_id ?? event.id ?? '?'}`, 128);
  const transitionWord = (event.alert_transition || TITLE_TRANSITION.exec(title)?.[1] || '')
    .trim()
    .toLowerCase();
  const transition = Object.hasOwn(transitions, transitionWord) ? transitions[transitionWord] : undefined;
  if (!transition || transition === 'ignore') {
    const what = transitionWord ? `transition '${cleanText(transitionWord, 32)}'` : 'no alert transition';
    return { ok: true, signals: [], ignored: [{ item: name, reason: `${what} is not a pressure signal` }] };
  }
  const tags = (Array.isArray(event.tags) ? event.tags : (event.tags ?? '').split(',')).map((t) => t.trim());
  const workload = tags
    .find((t) => t.startsWith(`${mapping.workloadTag}:`))
    ?.slice(mapping.workloadTag.length + 1);
  if (!workload) {
    return {
      ok: true,
      signals: [],
      ignored: [{ item: name, reason: `no '${cleanText(mapping.workloadTag, 64)}:<workload>' tag` }],
    };
  }
  if (!mapping.knownWorkloads.has(workload)) return unknownWorkloads(new Set([workload]), 'tags');
  const alertId = event.alert_id || event.id;
  if (!alertId) return reject('malformed', 'alert_id: required ($ALERT_ID)', ['alert_id']);
  const [raw, field] = event.last_updated ? [event.last_updated, 'last_updated'] : [event.date ?? '', 'date'];
  const observed = observedTime(raw, now, field);
  if (!observed.ok) return observed;
  const scope = event.alert_scope ?? '';
  return {
    ok: true,
    ignored: [],
    signals: [
      makeSignal({
        source: 'datadog',
        workload,
        identity: scope ? `${alertId}/${scope}` : alertId,
        state: transition.state,
        severity: transition.severity ?? severityOf(event.alert_type, event.alert_priority),
        observedAt: observed.iso,
        episode: [alertId, scope, transitionWord, raw],
        summary: title,
      }),
    ],
  };
}

/** $ALERT_TYPE error → critical, warning → warning; $ALERT_PRIORITY P1/P2 → critical. */
function severityOf(type: string | undefined, priority: string | undefined): Severity {
  if (type === 'error' || priority === 'P1' || priority === 'P2') return 'critical';
  if (type === 'info' || type === 'success') return 'info';
  return 'warning';
}
