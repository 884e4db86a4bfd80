import * as z from 'zod';
import {
  type AlertListMapping,
  alertSchema,
  FINGERPRINT_MAX,
  ISO_TIME_PATTERN,
  LABEL_NAME_MAX,
  LABEL_VALUE_MAX,
  normaliseAlertList,
  notA,
} from './alert-list';
import {
  type AlertmanagerLimits,
  type AlertmanagerPayload,
  wellFormedAlertmanager,
} from './alertmanager-fast';
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

export const alertmanagerLimits: AlertmanagerLimits = {
  isoTime: ISO_TIME_PATTERN,
  labelNameLength: LABEL_NAME_MAX,
  labelValueLength: LABEL_VALUE_MAX,
  fingerprintLength: FINGERPRINT_MAX,
};

/**
 * Translates an Alertmanager v4 webhook body into signals. An alert episode is identified by its
 * fingerprint, start time and status, so HA pairs and `repeat_interval` resends deduplicate.
 */
export function normaliseAlertmanager(
  body: unknown,
  mapping: AlertmanagerMapping,
  now: Date,
): NormaliseResult {
  let payload: AlertmanagerPayload | undefined = wellFormedAlertmanager(body, alertmanagerLimits);
  if (!payload) {
    const parsed = alertmanagerPayloadSchema.safeParse(body);
    if (!parsed.success) {
      const { message, fields } = describeZodIssues(parsed.error);
      return notA('an Alertmanager v4 webhook payload', message, fields);
    }
    payload = parsed.data;
  }
  return normaliseAlertList('alertmanager', payload.alerts, mapping, now, payload.truncatedAlerts);
}
