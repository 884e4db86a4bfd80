import * as z from 'zod';
import type { Severity, SignalState } from '../signal';
import type { HostMonitorMapping } from './host-monitor';
import { workloadOf } from './host-monitor';
import { LabelBudget } from './label-limits';
import { makeSignal } from './make-signal';
import { type NormaliseResult, reject, unknownWorkloads } from './result';
import { cleanText } from './text';
import { observedTime } from './time';
import { describeZodIssues } from './zod-issues';

/**
 * What the Webhook channel of Icinga Notifications posts with its default request body template,
 * `{{json .}}`: the channel plugin's NotificationRequest (contact, object, incident, event;
 * github.com/Icinga/icinga-go-library, notifications/plugin). Contact details are not read.
 */
export const icingaNotificationRequestSchema = z.object({
  object: z.object({
    /** `host!service` for a service, the host name for a host. */
    name: z.string().min(1).max(512),
    url: z.string().max(2048).optional(),
    /** Icinga DB sets `host`, and `service` for a service. */
    tags: z.record(z.string().max(256), z.string().max(1024)).default({}),
  }),
  /** null for notifications that are not about a state (acknowledgement, downtime, custom). */
  incident: z
    .object({
      id: z.number().int().nonnegative(),
      url: z.string().max(2048).optional(),
      severity: z.string().max(16).nullable(),
    })
    .nullable(),
  event: z.object({
    /** RFC 3339 with nanoseconds, from Go. */
    time: z.string().min(1).max(40),
    message: z.string().max(65_536).default(''),
  }),
});

/** Icinga Notifications severities (syslog's, plus ok). */
const severities: Record<string, { state: SignalState; severity: Severity }> = {
  ok: { state: 'resolved', severity: 'info' },
  warning: { state: 'firing', severity: 'warning' },
  err: { state: 'firing', severity: 'critical' },
  crit: { state: 'firing', severity: 'critical' },
  alert: { state: 'firing', severity: 'critical' },
  emerg: { state: 'firing', severity: 'critical' },
};

/** True for a body shaped like the Webhook channel's default, rather than Spillway's own. */
export const looksLikeIcingaNotificationRequest = (body: unknown): boolean =>
  typeof body === 'object' &&
  body !== null &&
  !Object.hasOwn(body, 'schema') &&
  Object.hasOwn(body, 'object') &&
  Object.hasOwn(body, 'event');

/**
 * Translates a notification from Icinga Notifications' Webhook channel. The alert is the host or
 * service, keyed as Spillway's own notification body keys it, so switching a host between the two
 * ways of sending keeps its alert. The episode is the incident, its severity and the event time:
 * a resend of the same notification deduplicates, an escalation to another severity does not.
 */
export function normaliseIcingaNotificationRequest(
  body: unknown,
  mapping: HostMonitorMapping,
  now: Date,
): NormaliseResult {
  const parsed = icingaNotificationRequestSchema.safeParse(body);
  if (!parsed.success) {
    const { message, fields } = describeZodIssues(parsed.error);
    return reject('malformed', `not an Icinga Notifications webhook body: ${message}`, fields);
  }
  const { object, incident, event } = parsed.data;
  const overLimit = new LabelBudget().spend('object.tags', Object.keys(object.tags).length);
  if (overLimit) return overLimit;
  const observed = observedTime(event.time, now, 'event.time');
  if (!observed.ok) return observed;
  const [namedHost = object.name, namedService] = object.name.split('!', 2);
  const host = tag(object.tags, 'host') ?? namedHost;
  const service = tag(object.tags, 'service') ?? namedService;
  const item = cleanText(service ? `${host}!${service}` : host, 128);
  if (!incident) return ignore(item, 'no incident: not a notification about a state');
  const word = incident.severity ?? 'none';
  const mapped = Object.hasOwn(severities, word) ? severities[word] : undefined;
  if (!mapped) return ignore(item, `severity ${cleanText(word, 16)} is not a pressure signal`);
  const named = tag(object.tags, 'workload');
  const workload = named ?? workloadOf(host, service, mapping.hosts);
  if (!workload) return ignore(item, 'no workload mapped to this host or service');
  if (!mapping.knownWorkloads.has(workload)) {
    return unknownWorkloads(new Set([workload]), named ? 'object.tags.workload' : 'object.tags.host');
  }
  return {
    ok: true,
    ignored: [],
    signals: [
      makeSignal({
        source: 'icinga',
        workload,
        identity: service ? `${host}/${service}` : host,
        state: mapped.state,
        severity: mapped.severity,
        observedAt: observed.iso,
        episode: ['incident', String(incident.id), word, event.time],
        summary: event.message ? `${item}: ${event.message}` : item,
        name: item,
      }),
    ],
  };
}

const tag = (tags: Record<string, string>, name: string) =>
  Object.hasOwn(tags, name) && tags[name] ? tags[name] : undefined;

const ignore = (item: string, reason: string): NormaliseResult => ({
  ok: true,
  signals: [],
  ignored: [{ item, reason }],
});
