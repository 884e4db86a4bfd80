import * as z from 'zod';
import { type AlertListMapping, alertSchema, normaliseAlertList, notA } from './alert-list';
import type { NormaliseResult } from './result';
import { describeZodIssues } from './zod-issues';

const labelMap = z.record(z.string(), z.string());

/** Alertmanager webhook payload, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labelMap.default({}),
  commonLabels: labelMap.default({}),
  commonAnnotations: labelMap.default({}),
  externalURL: z.string().optional(),
  alerts: z.array(alertSchema),
});

export type AlertmanagerMapping = AlertListMapping;

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
    return notA('an Alertmanager v4 webhook payload', message, fields);
  }
  const payload = parsed.data;
  return normaliseAlertList('alertmanager', payload.alerts, mapping, now, payload.truncatedAlerts);
}
