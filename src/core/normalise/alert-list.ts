import * as z from 'zod';
import { digest } from '../ids';
import type { Signal, SignalSource } from '../signal';
import { LabelBudget } from './label-limits';
import { makeSignal } from './make-signal';
import { type Ignored, type NormaliseResult, reject, unknownWorkloads } from './result';
import { normaliseSeverity } from './severity';
import { cleanText } from './text';
import { observedTime } from './time';

/** Label names and values, annotations: bounded, so one delivery cannot carry a megabyte per label. */
export const LABEL_NAME_MAX = 256;
export const LABEL_VALUE_MAX = 16_384;
export const FINGERPRINT_MAX = 256;
const labelMap = z.record(z.string().max(LABEL_NAME_MAX), z.string().max(LABEL_VALUE_MAX));

const isoTime = z.iso.datetime({ offset: true });
/** The pattern the schema checks times with, for anything that must accept exactly the same. */
export const ISO_TIME_PATTERN = isoTime._zod.def.pattern as RegExp;

/**
 * One alert as Alertmanager (webhook v4) and Grafana (unified alerting webhook) both send it:
 * Grafana's payload extends Alertmanager's, alert for alert.
 */
export const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelMap,
  annotations: labelMap.default({}),
  startsAt: isoTime,
  endsAt: isoTime.optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().max(FINGERPRINT_MAX).optional(),
});

export type AlertmanagerStyleAlert = z.infer<typeof alertSchema>;

export interface AlertListMapping {
  /** The label that names the workload. */
  readonly workloadLabel: string;
  readonly knownWorkloads: ReadonlySet<string>;
}

/** Alertmanager and Grafana write the zero time as endsAt of an alert that has not ended. */
const isZeroTime = (iso: string | undefined) => !iso || iso.startsWith('0001-01-01');

/**
 * Translates an Alertmanager-style alert list into signals. An alert episode is identified by its
 * fingerprint, start time and status, so HA pairs, `repeat_interval` resends and group updates
 * that re-list old alerts all deduplicate.
 */
export function normaliseAlertList(
  source: SignalSource,
  alerts: readonly AlertmanagerStyleAlert[],
  mapping: AlertListMapping,
  now: Date,
  truncatedAlerts: number,
): NormaliseResult {
  const refused = refusedAlert(alerts);
  if (refused) return refused;
  const signals: Signal[] = [];
  const ignored: Ignored[] = [];
  const unknown = new Set<string>();
  for (const [index, alert] of alerts.entries()) {
    const workload = Object.hasOwn(alert.labels, mapping.workloadLabel)
      ? alert.labels[mapping.workloadLabel]
      : undefined;
    const name = cleanText(alert.labels.alertname ?? `alerts[${index}]`, 128);
    if (!workload) {
      ignored.push({ item: name, reason: `no '${cleanText(mapping.workloadLabel, 64)}' label` });
      continue;
    }
    if (!mapping.knownWorkloads.has(workload)) {
      unknown.add(workload);
      continue;
    }
    const resolved = alert.status === 'resolved';
    // A resolved alert without an end time was resolved when the sender sent it.
    const raw = !resolved ? alert.startsAt : isZeroTime(alert.endsAt) ? undefined : alert.endsAt;
    const field = `alerts[${index}].${resolved ? 'endsAt' : 'startsAt'}`;
    const observed =
      raw === undefined ? { ok: true as const, iso: now.toISOString() } : observedTime(raw, now, field);
    if (!observed.ok) return observed;
    const fingerprint = alert.fingerprint || digest(Object.entries(alert.labels).sort().flat(), 16);
    const value = Number.parseFloat(alert.annotations.value ?? '');
    signals.push(
      makeSignal({
        source,
        workload,
        identity: fingerprint,
        state: alert.status,
        severity: normaliseSeverity(alert.labels.severity),
        observedAt: observed.iso,
        episode: [fingerprint, alert.startsAt, alert.status],
        value,
        summary: alert.annotations.summary ?? alert.annotations.description,
        ...(alert.labels.alertname ? { name: alert.labels.alertname } : {}),
      }),
    );
  }
  if (unknown.size > 0) return unknownWorkloads(unknown, `alerts[].labels.${mapping.workloadLabel}`);
  return { ok: true, signals, ignored, ...(truncatedAlerts > 0 ? { truncatedAlerts } : {}) };
}

/**
 * Counted over the whole delivery before any alert is translated, so a bad alert late in a group
 * refuses the delivery instead of leaving it half applied.
 */
function refusedAlert(alerts: readonly AlertmanagerStyleAlert[]) {
  const budget = new LabelBudget();
  for (const [index, alert] of alerts.entries()) {
    const refused =
      budget.spend(`alerts[${index}].labels`, Object.keys(alert.labels).length) ??
      budget.spend(`alerts[${index}].annotations`, Object.keys(alert.annotations).length);
    if (refused) return refused;
  }
  return undefined;
}

/** Shared by the Alertmanager and Grafana normalisers for their schema errors. */
export const notA = (what: string, message: string, fields: readonly string[]) =>
  reject('malformed', `not ${what}: ${message}`, fields);
