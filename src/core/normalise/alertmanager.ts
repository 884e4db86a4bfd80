import * as z from 'zod';
import { digest } from '../ids';
import type { Signal } from '../signal';
import { type Ignored, type NormaliseResult, reject } from './result';
import { normaliseSeverity } from './severity';
import { describeZodIssues } from './zod-issues';

const isoTime = z.iso.datetime({ offset: true });

/** Alertmanager webhook payload, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).default({}),
  startsAt: isoTime,
  endsAt: isoTime.optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});

export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: z.record(z.string(), z.string()).default({}),
  commonLabels: z.record(z.string(), z.string()).default({}),
  commonAnnotations: z.record(z.string(), z.string()).default({}),
  externalURL: z.string().optional(),
  alerts: z.array(alertSchema),
});

export interface AlertmanagerMapping {
  /** The label that names the workload. */
  readonly workloadLabel: string;
  readonly knownWorkloads: ReadonlySet<string>;
}

/** Alertmanager writes the zero time as endsAt of an alert that has not ended. */
const isZeroTime = (iso: string | undefined) => !iso || iso.startsWith('0001-01-01');

/**
 * Translates an Alertmanager v4 webhook body into signals. An alert episode is identified by its
 * fingerprint, start time and status, so HA pairs and `repeat_interval` resends deduplicate.
 */
export function normaliseAlertmanager(
  body: unknown,
  mapping: AlertmanagerMapping,
  now: Date,
): NormaliseResult {
  const parsed = alertmanagerPayloadSchema.safeParse(body);
  if (!parsed.success) {
    const { message, fields } = describeZodIssues(parsed.error);
    return reject('malformed', `not an Alertmanager v4 webhook payload: ${message}`, fields);
  }
  const payload = parsed.data;
  const signals: Signal[] = [];
  const ignored: Ignored[] = [];
  const unknown = new Set<string>();
  payload.alerts.forEach((alert, index) => {
    const workload = alert.labels[mapping.workloadLabel];
    const name = alert.labels.alertname ?? `alerts[${index}]`;
    if (!workload) {
      ignored.push({ item: name, reason: `no '${mapping.workloadLabel}' label` });
      return;
    }
    if (!mapping.knownWorkloads.has(workload)) {
      unknown.add(workload);
      return;
    }
    const fingerprint = alert.fingerprint ?? digest(Object.entries(alert.labels).sort().flat(), 16);
    const resolved = alert.status === 'resolved';
    // A resolved alert without an end time was resolved when Alertmanager sent it.
    const observedAt = !resolved
      ? alert.startsAt
      : isZeroTime(alert.endsAt)
        ? now.toISOString()
        : (alert.endsAt as string);
    const dedupKey = `alertmanager:${digest([fingerprint, alert.startsAt, alert.status])}`;
    const value = Number.parseFloat(alert.annotations.value ?? '');
    const summary = alert.annotations.summary ?? alert.annotations.description;
    signals.push({
      id: `sig-${digest([dedupKey], 20)}`,
      source: 'alertmanager',
      workload,
      alertKey: `alertmanager:${fingerprint}`,
      state: alert.status,
      severity: normaliseSeverity(alert.labels.severity),
      ...(Number.isFinite(value) ? { value } : {}),
      observedAt: new Date(observedAt).toISOString(),
      dedupKey,
      ...(summary ? { summary: summary.slice(0, 256) } : {}),
    });
  });
  if (unknown.size > 0) {
    return reject('unknown_workload', `unknown workload(s): ${[...unknown].sort().join(', ')}`, [
      `alerts[].labels.${mapping.workloadLabel}`,
    ]);
  }
  if (payload.truncatedAlerts > 0) {
    ignored.push({
      item: 'truncatedAlerts',
      reason: `${payload.truncatedAlerts} alert(s) truncated by Alertmanager`,
    });
  }
  return { ok: true, signals, ignored };
}
