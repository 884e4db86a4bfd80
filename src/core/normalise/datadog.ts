import * as z from 'zod';
import type { Severity } from '../signal';
import { LabelBudget } from './label-limits';
import { makeSignal } from './make-signal';
import { type NormaliseResult, reject, unknownWorkloads } from './result';
import { cleanText } from './text';
import { observedTime } from './time';
import { describeZodIssues } from './zod-issues';

const text = z.union([z.string().max(16_384), z.number()]).transform((v) => String(v).trim());
const required = (variable: string) =>
  text.pipe(z.string().min(1, `required (${variable}); empty means Datadog had nothing to put there`));
const tagList = z.union([text, z.array(z.string().max(1024))]);

/**
 * Datadog's webhook body: its default payload (`body`, `last_updated`, `event_type`, `title`,
 * `date`, `org`, `id`) plus the template variables docs/ingest.md asks for (`alert_id`,
 * `alert_transition`, `alert_scope`, `tags`, `alert_type`…). Datadog expands every variable to text.
 * What every notification carries is required, so a body relayed by something else, or a payload
 * that lost its variables, is refused instead of being ignored as "not a pressure signal".
 */
export const datadogPayloadSchema = z
  .object({
    id: required('$ID'),
    event_type: required('$EVENT_TYPE'),
    title: text.optional(),
    body: text.optional(),
    date: text.optional(),
    last_updated: text.optional(),
    alert_id: text.optional(),
    alert_transition: text.optional(),
    alert_type: text.optional(),
    alert_priority: text.optional(),
    alert_scope: text.optional(),
    alert_title: text.optional(),
    alert_metric: text.optional(),
    tags: tagList.optional(),
    /** Some payload templates name $TAGS `event_tags`; both are read. */
    event_tags: tagList.optional(),
  })
  .refine((event) => event.last_updated || event.date, {
    message: 'required: last_updated ($LAST_UPDATED) or date ($DATE)',
    path: ['last_updated'],
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
 * A variable Datadog did not expand arrives as its own name: `$EVENT_TITLE`, `$TAGS[env]`. Datadog
 * expands every variable it knows, so such a value means a payload typed into another tool, or a
 * variable this kind of notification lacks.
 */
const UNEXPANDED = /^\$[A-Z][A-Z0-9_]*(\[[^\]]*\])?$/;

/**
 * Translates one Datadog monitor notification. The episode is the monitor (alert) id, its scope,
 * the transition and the last-updated time: Datadog's 5 retries and renotifications deduplicate.
 * Everything is validated before the transition decides whether the notification is ignored.
 */
export function normaliseDatadog(body: unknown, mapping: DatadogMapping, now: Date): NormaliseResult {
  const unexpanded = unexpandedVariables(body);
  if (unexpanded.length > 0) {
    return reject(
      'unexpanded_template',
      `template variables Datadog did not expand: ${unexpanded
        .slice(0, 10)
        .map(([field, value]) => `${field} = ${cleanText(value, 40)}`)
        .join(', ')}`,
      unexpanded.map(([field]) => field).slice(0, 50),
    );
  }
  const parsed = datadogPayloadSchema.safeParse(body);
  if (!parsed.success) {
    const { message, fields } = describeZodIssues(parsed.error);
    return reject('malformed', `not a Datadog webhook body: ${message}`, fields);
  }
  const event = parsed.data;
  const tags = [...tagsOf(event.tags), ...tagsOf(event.event_tags)];
  const overLimit = new LabelBudget().spend(
    event.event_tags && !event.tags ? 'event_tags' : 'tags',
    tags.length,
  );
  if (overLimit) return overLimit;
  const [raw, field] = event.last_updated ? [event.last_updated, 'last_updated'] : [event.date ?? '', 'date'];
  const observed = observedTime(raw, now, field);
  if (!observed.ok) return observed;

  const title = event.alert_title || event.title || '';
  const alertId = event.alert_id || event.id;
  const name = cleanText(title || `alert ${alertId}`, 128);
  const transitionWord = (event.alert_transition || TITLE_TRANSITION.exec(title)?.[1] || '')
    .trim()
    .toLowerCase();
  const transition = Object.hasOwn(transitions, transitionWord) ? transitions[transitionWord] : undefined;
  if (!transition || transition === 'ignore') {
    const what = transitionWord ? `transition '${cleanText(transitionWord, 32)}'` : 'no alert transition';
    return { ok: true, signals: [], ignored: [{ item: name, reason: `${what} is not a pressure signal` }] };
  }
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
        name: title,
      }),
    ],
  };
}

const tagsOf = (tags: string | readonly string[] | undefined): string[] =>
  (Array.isArray(tags) ? tags : typeof tags === 'string' && tags ? tags.split(',') : []).map((t: string) =>
    t.trim(),
  );

/** Every string member (and `org`'s) that is one unexpanded variable, with its path. */
function unexpandedVariables(body: unknown): [string, string][] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [];
  const found: [string, string][] = [];
  const visit = (value: unknown, path: string) => {
    if (typeof value === 'string' && UNEXPANDED.test(value.trim())) found.push([path, value.trim()]);
    else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) visit(item, `${path}[${index}]`);
    }
  };
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [inner, member] of Object.entries(value)) visit(member, `${key}.${inner}`);
    } else visit(value, key);
  }
  return found;
}

/** $ALERT_TYPE error → critical, warning → warning; $ALERT_PRIORITY P1/P2 → critical. */
function severityOf(type: string | undefined, priority: string | undefined): Severity {
  if (type === 'error' || priority === 'P1' || priority === 'P2') return 'critical';
  if (type === 'info' || type === 'success') return 'info';
  return 'warning';
}
