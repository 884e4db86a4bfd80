import * as z from 'zod';
import { type AlertListMapping, alertSchema, normaliseAlertList, notA } from './alert-list';
import type { NormaliseResult } from './result';
import { describeZodIssues } from './zod-issues';

/**
 * Grafana unified alerting webhook contact point payload, version 1
 * (https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/).
 * Its alerts are Alertmanager's plus Grafana's links and values, which Spillway does not need.
 */
export const grafanaPayloadSchema = z.object({
  receiver: z.string(),
  status: z.enum(['firing', 'resolved']),
  orgId: z.number().optional(),
  alerts: z.array(alertSchema),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().min(0).default(0),
  version: z.literal('1'),
});

export type GrafanaMapping = AlertListMapping;

/** Translates a Grafana webhook body into signals; the alert episode is fingerprint + startsAt + status. */
export function normaliseGrafana(body: unknown, mapping: GrafanaMapping, now: Date): NormaliseResult {
  const parsed = grafanaPayloadSchema.safeParse(body);
  if (!parsed.success) {
    const { message, fields } = describeZodIssues(parsed.error);
    return notA('a Grafana webhook payload (version 1)', message, fields);
  }
  const payload = parsed.data;
  return normaliseAlertList('grafana', payload.alerts, mapping, now, payload.truncatedAlerts);
}
