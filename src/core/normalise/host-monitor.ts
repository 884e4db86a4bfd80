import * as z from 'zod';
import type { HostMapping } from '../../config/schema';
import type { Severity, SignalState } from '../signal';
import { makeSignal } from './make-signal';
import { type NormaliseResult, reject, unknownWorkloads } from './result';
import { cleanText } from './text';
import { observedTime } from './time';
import { describeZodIssues } from './zod-issues';

/**
 * The body Icinga 2 and Nagios notification commands post, `spillway.notification/v1` (the command
 * lines are in docs/ingest.md; `scripts/spillway-send.py` builds and signs it).
 */
export const hostNotificationSchema = z.object({
  schema: z.literal('spillway.notification/v1'),
  host: z.string().min(1).max(255),
  /** Absent for a host notification. */
  service: z.string().min(1).max(255).optional(),
  /** Icinga: $host.state$ / $service.state$; Nagios: $HOSTSTATE$ / $SERVICESTATE$. */
  state: z.string().min(1).max(32),
  /** PROBLEM, RECOVERY, ACKNOWLEDGEMENT, FLAPPINGSTART, CUSTOM… ($NOTIFICATIONTYPE$, $notification.type$). */
  notificationType: z.string().min(1).max(32),
  /** When the current state began: Unix seconds ($LASTSERVICESTATECHANGE$, $service.last_state_change$). */
  lastStateChange: z.union([z.number(), z.string().max(40)]),
  output: z.string().max(16_384).optional(),
  /** Names the workload directly (a custom variable), instead of the host mapping. */
  workload: z.string().max(64).optional(),
});

export interface HostMonitorMapping {
  readonly hosts: readonly HostMapping[];
  readonly knownWorkloads: ReadonlySet<string>;
}

const states: Record<string, { state: SignalState; severity: Severity }> = {
  ok: { state: 'resolved', severity: 'info' },
  up: { state: 'resolved', severity: 'info' },
  warning: { state: 'firing', severity: 'warning' },
  critical: { state: 'firing', severity: 'critical' },
  down: { state: 'firing', severity: 'critical' },
  unreachable: { state: 'firing', severity: 'critical' },
};

/**
 * Translates an Icinga or Nagios notification. The episode is host, service, state and the time
 * that state began, so `notification_interval` re-notifications and HA masters deduplicate.
 * UNKNOWN states and notification types other than PROBLEM and RECOVERY are ignored with a reason.
 */
export function normaliseHostNotification(
  source: 'icinga' | 'nagios',
  body: unknown,
  mapping: HostMonitorMapping,
  now: Date,
): NormaliseResult {
  const parsed = hostNotificationSchema.safeParse(body);
  if (!parsed.success) {
    const { message, fields } = describeZodIssues(parsed.error);
    return reject('malformed', `not a spillway.notification/v1 body: ${message}`, fields);
  }
  const note = parsed.data;
  const item = cleanText(note.service ? `${note.host}!${note.service}` : note.host, 128);
  const type = note.notificationType.toUpperCase();
  if (type !== 'PROBLEM' && type !== 'RECOVERY') {
    return ignore(item, `notification type ${cleanText(type, 32)} is not a pressure signal`);
  }
  const stateWord = note.state.toLowerCase();
  const mapped = Object.hasOwn(states, stateWord) ? states[stateWord] : undefined;
  if (!mapped) return ignore(item, `state ${cleanText(note.state, 32)} is not a pressure signal`);
  const workload = note.workload ?? workloadOf(note.host, note.service, mapping.hosts);
  if (!workload) return ignore(item, 'no workload mapped to this host or service');
  if (!mapping.knownWorkloads.has(workload)) {
    return unknownWorkloads(new Set([workload]), note.workload ? 'workload' : 'host');
  }
  const observed = observedTime(note.lastStateChange, now, 'lastStateChange');
  if (!observed.ok) return observed;
  return {
    ok: true,
    ignored: [],
    signals: [
      makeSignal({
        source,
        workload,
        identity: note.service ? `${note.host}/${note.service}` : note.host,
        state: mapped.state,
        severity: mapped.severity,
        observedAt: observed.iso,
        episode: [note.host, note.service ?? '', stateWord, String(note.lastStateChange)],
        summary: note.output ? `${item}: ${note.output}` : item,
        name: item,
      }),
    ],
  };
}

const ignore = (item: string, reason: string): NormaliseResult => ({
  ok: true,
  signals: [],
  ignored: [{ item, reason }],
});

/** Exact host names win over prefixes, the longest prefix wins; a service-specific entry wins over a host-wide one. */
export function workloadOf(
  host: string,
  service: string | undefined,
  mappings: readonly HostMapping[],
): string | undefined {
  const score = (m: HostMapping) =>
    (m.match === 'exact' ? 1_000_000 : m.host.length * 2) + (m.service !== undefined ? 1 : 0);
  return mappings
    .filter((m) => (m.match === 'exact' ? host === m.host : host.startsWith(m.host)))
    .filter((m) => m.service === undefined || m.service === service)
    .sort((a, b) => score(b) - score(a))[0]?.workload;
}
