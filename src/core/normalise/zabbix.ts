import * as z from 'zod';
import type { SpillwayConfig } from '../../config/schema';
import { controlCharacterIn } from './identifiers';
import { LabelBudget } from './label-limits';
import { makeSignal } from './make-signal';
import { type NormaliseResult, reject, unknownWorkloads } from './result';
import { normaliseSeverity } from './severity';
import { cleanText } from './text';
import { observedTime } from './time';
import { describeZodIssues } from './zod-issues';

/** Zabbix leaves a macro it cannot resolve as its own text, `{EVENT.RECOVERY.ID}`: that means "absent". */
const macroText = z
  .union([z.string().max(1024), z.number()])
  .transform((v) => String(v).trim())
  .transform((v) => (v === '' || /^\{[A-Z0-9_.]+\}$/.test(v) ? undefined : v));

/**
 * The body of Spillway's Zabbix webhook media type, `spillway.zabbix/v1` (its script and
 * parameters are in docs/ingest.md). Field values are Zabbix macros, expanded by the server.
 */
export const zabbixPayloadSchema = z.object({
  schema: z.literal('spillway.zabbix/v1'),
  event: z.object({
    /** {EVENT.ID}: the problem event; its recovery carries the same id. */
    id: macroText.pipe(z.string().regex(/^\d{1,20}$/, 'must be a Zabbix event id')),
    /** {EVENT.VALUE}: 1 for a problem, 0 for a recovery. */
    value: macroText.pipe(z.enum(['0', '1'])),
    /** {EVENT.TIMESTAMP}: Unix seconds. */
    timestamp: macroText.pipe(z.string()),
    /** {EVENT.SEVERITY}: Not classified, Information, Warning, Average, High, Disaster. */
    severity: macroText.optional(),
    /** {EVENT.TAGSJSON}: [{"tag": "workload", "value": "checkout-api"}]. */
    tags: z
      .array(z.object({ tag: z.string().max(256), value: z.string().max(1024).default('') }))
      .default([]),
  }),
  recovery: z
    .object({
      id: macroText.optional(),
      value: macroText.optional(),
      timestamp: macroText.optional(),
    })
    .optional(),
  host: z.object({ name: macroText.optional(), groups: z.array(z.string().max(256)).default([]) }).default({
    groups: [],
  }),
  trigger: z.object({ id: macroText.optional(), name: macroText.optional() }).default({}),
  opdata: macroText.optional(),
});

export type ZabbixMapping = SpillwayConfig['signals']['zabbix'] & {
  readonly knownWorkloads: ReadonlySet<string>;
};

const severities: Record<string, string> = {
  'not classified': 'info',
  information: 'info',
  warning: 'warning',
  average: 'warning',
  high: 'critical',
  disaster: 'critical',
};

/**
 * Translates one Zabbix event into a signal. The episode is the problem event id and its value
 * (1 problem, 0 recovery), so Zabbix's own retries and escalation steps deduplicate.
 */
export function normaliseZabbix(body: unknown, mapping: ZabbixMapping, now: Date): NormaliseResult {
  const parsed = zabbixPayloadSchema.safeParse(body);
  if (!parsed.success) {
    const { message, fields } = describeZodIssues(parsed.error);
    return reject('malformed', `not a spillway.zabbix/v1 body: ${message}`, fields);
  }
  const event = parsed.data;
  const budget = new LabelBudget();
  const overLimit =
    budget.spend('event.tags', event.event.tags.length) ??
    budget.spend('host.groups', event.host.groups.length);
  if (overLimit) return overLimit;
  const tagIndex = event.event.tags.findIndex((t) => t.tag === mapping.workloadTag && t.value);
  const tagged = tagIndex >= 0 ? event.event.tags[tagIndex]?.value : undefined;
  const badTag =
    tagged === undefined ? undefined : controlCharacterIn(`event.tags[${tagIndex}].value`, tagged);
  if (badTag) return badTag;
  const recovered = event.event.value === '0' || event.recovery?.value === '0' || !!event.recovery?.id;
  const name = cleanText(event.trigger.name ?? `event ${event.event.id}`, 128);
  const [raw, field] =
    recovered && event.recovery?.timestamp
      ? [event.recovery.timestamp, 'recovery.timestamp']
      : [event.event.timestamp, 'event.timestamp'];
  const observed = observedTime(raw, now, field);
  if (!observed.ok) return observed;
  const workload = tagged ?? workloadOf(event, mapping);
  if (!workload) {
    return {
      ok: true,
      signals: [],
      ignored: [{ item: name, reason: `no '${mapping.workloadTag}' tag and no mapped host group` }],
    };
  }
  if (!mapping.knownWorkloads.has(workload)) return unknownWorkloads(new Set([workload]), 'event.tags');
  const severityWord = event.event.severity?.toLowerCase() ?? '';
  const value = recovered ? '0' : '1';
  return {
    ok: true,
    ignored: [],
    signals: [
      makeSignal({
        source: 'zabbix',
        workload,
        identity: event.event.id,
        state: recovered ? 'resolved' : 'firing',
        severity: normaliseSeverity(
          Object.hasOwn(severities, severityWord) ? severities[severityWord] : severityWord,
        ),
        observedAt: observed.iso,
        episode: [event.event.id, value],
        summary: [event.host.name, event.trigger.name, event.opdata].filter(Boolean).join(': '),
        ...(event.trigger.name ? { name: event.trigger.name } : {}),
      }),
    ],
  };
}

/** The first host group entry of the config that matches one of the host's groups. */
function workloadOf(event: z.infer<typeof zabbixPayloadSchema>, mapping: ZabbixMapping): string | undefined {
  for (const group of mapping.hostGroups) {
    const hit = event.host.groups.some((g) =>
      group.match === 'prefix' ? g.startsWith(group.group) : g === group.group,
    );
    if (hit) return group.workload;
  }
  return undefined;
}
