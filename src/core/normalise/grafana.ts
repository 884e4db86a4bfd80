import * as z from 'zod';
import { type AlertListMapping, alertSchema, normaliseAlertList, notA } from './alert-list';
import { type NormaliseResult, reject } from './result';
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
  if (isLegacyAlertingPayload(body)) return LEGACY_ALERTING;
  const parsed = grafanaPayloadSchema.safeParse(body);
  if (!parsed.success) {
    const { message, fields } = describeZodIssues(parsed.error);
    return notA('a Grafana webhook payload (version 1)', message, fields);
  }
  const payload = parsed.data;
  return normaliseAlertList('grafana', payload.alerts, mapping, now, payload.truncatedAlerts);
}

/**
 * Grafana's legacy (dashboard) alerting posts `{ruleId, ruleName, state, evalMatches, …}`
 * (https://grafana.com/docs/grafana/v7.3/alerting/notifications/#webhook). It carries
 * no time at which the state began, so a resend cannot be told from a new episode and the stale
 * check has nothing to order by: translating it would either drop real alerts as duplicates or
 * apply resends as new ones. Grafana 8 to 10 can switch to the unified alerting this source reads.
 */
function isLegacyAlertingPayload(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  return (
    !Object.hasOwn(body, 'alerts') && (Object.hasOwn(body, 'ruleId') || Object.hasOwn(body, 'evalMatches'))
  );
}

const LEGACY_ALERTING = reject(
  'grafana_legacy_alerting',
  'this is a Grafana legacy alerting notification (ruleId, evalMatches), which carries no alert time: ' +
    'switch Grafana to Grafana Alerting (grafana.ini: [unified_alerting] enabled = true and ' +
    '[alerting] enabled = false; the default from Grafana 9, the only alerting from 11) and send ' +
    'through a webhook contact point',
  ['ruleId'],
);
