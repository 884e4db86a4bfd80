import * as z from 'zod';
import type { AlarmMapping } from '../../config/schema';
import { digest } from '../ids';
import { type NormaliseResult, reject } from './result';
import { describeZodIssues } from './zod-issues';

/** EventBridge "CloudWatch Alarm State Change" event, for metric and composite alarms alike. */
export const alarmStateChangeSchema = z.object({
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  account: z.string().optional(),
  region: z.string(),
  time: z.iso.datetime({ offset: true }),
  resources: z.array(z.string()).min(1),
  detail: z.object({
    alarmName: z.string().min(1),
    state: z.object({
      value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
      reason: z.string().optional(),
      timestamp: z.string().min(1),
    }),
  }),
});

/** True for anything that claims to be an alarm state change, valid or not. */
export const looksLikeAlarmEvent = (body: unknown): boolean =>
  typeof body === 'object' && body !== null && (body as Record<string, unknown>).source === 'aws.cloudwatch';

/** Exact names win over prefixes; the longest prefix wins among prefixes. */
export function findAlarmMapping(
  alarmName: string,
  mappings: readonly AlarmMapping[],
): AlarmMapping | undefined {
  const exact = mappings.find((m) => m.match === 'exact' && m.alarmName === alarmName);
  if (exact) return exact;
  return mappings
    .filter((m) => m.match === 'prefix' && alarmName.startsWith(m.alarmName))
    .sort((a, b) => b.alarmName.length - a.alarmName.length)[0];
}

/**
 * Translates a CloudWatch alarm state change into a signal: ALARM fires, OK resolves, and
 * INSUFFICIENT_DATA says nothing about pressure, so it is ignored with a reason.
 */
export function normaliseAlarmStateChange(body: unknown, mappings: readonly AlarmMapping[]): NormaliseResult {
  const parsed = alarmStateChangeSchema.safeParse(body);
  if (!parsed.success) {
    const { message, fields } = describeZodIssues(parsed.error);
    return reject('malformed', `not a CloudWatch Alarm State Change event: ${message}`, fields);
  }
  const event = parsed.data;
  const { alarmName, state } = event.detail;
  const mapping = findAlarmMapping(alarmName, mappings);
  if (!mapping) {
    return reject('unknown_workload', `no workload is mapped to alarm ${alarmName}`, ['detail.alarmName']);
  }
  if (state.value === 'INSUFFICIENT_DATA') {
    return {
      ok: true,
      signals: [],
      ignored: [{ item: alarmName, reason: 'INSUFFICIENT_DATA is not a pressure signal' }],
    };
  }
  const observed = new Date(state.timestamp.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  if (Number.isNaN(observed.getTime())) {
    return reject('malformed', `detail.state.timestamp is not a time: ${state.timestamp}`, [
      'detail.state.timestamp',
    ]);
  }
  const alarmArn = event.resources[0] as string;
  const dedupKey = `cloudwatch:${digest([alarmArn, state.timestamp, state.value])}`;
  return {
    ok: true,
    ignored: [],
    signals: [
      {
        id: `sig-${digest([dedupKey], 20)}`,
        source: 'cloudwatch',
        workload: mapping.workload,
        alertKey: `cloudwatch:${alarmArn}`,
        state: state.value === 'ALARM' ? 'firing' : 'resolved',
        severity: mapping.severity,
        observedAt: observed.toISOString(),
        dedupKey,
        ...(state.reason ? { summary: state.reason.slice(0, 256) } : {}),
      },
    ],
  };
}
