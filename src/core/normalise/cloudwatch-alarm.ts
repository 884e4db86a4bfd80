// zod/mini rather than classic zod: the decide function reads alarm events here, and with this file
// and parse-queue-message.ts on mini its bundle carries no classic zod (about 92 KB, its methods not
// tree-shakable). Same core as classic, so the same parsing and the same issues. Ingest keeps classic
// through the other normalisers and already has mini through the config schema: this costs it ~0.1 KB.
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import type { AlarmMapping } from '../../config/schema';
import { parseStrictJson } from '../json/strict-json';
import { controlCharacterAt } from './identifiers';
import { makeSignal } from './make-signal';
import { type NormaliseResult, reject } from './result';
import { cleanText } from './text';
import { observedTime } from './time';
import { describeZodIssues } from './zod-issues';

/**
 * mini ships no messages; without these every generic issue would read "Invalid input" in the 400
 * answers and DLQ reasons where classic said which field and why. Per parse, not through `z.config`,
 * and `en` by name, not `z.locales` (every locale, about 250 KB): see src/config/parse.ts.
 */
const englishMessages = { error: en().localeError };

/** EventBridge "CloudWatch Alarm State Change" event, for metric and composite alarms alike. */
export const alarmStateChangeSchema = z.object({
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  account: z.optional(z.string()),
  region: z.string(),
  time: z.iso.datetime({ offset: true }),
  resources: z.array(z.string()).check(z.minLength(1)),
  detail: z.object({
    alarmName: z.string().check(z.minLength(1)),
    state: z.object({
      value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
      reason: z.optional(z.string()),
      timestamp: z.string().check(z.minLength(1)),
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
 * INSUFFICIENT_DATA says nothing about pressure, so it is ignored with a reason. The time rule is
 * the webhooks' (`observedTime`): an ALARM stamped centuries ahead would otherwise win every later
 * stale check, and no genuine OK could ever resolve it.
 */
export function normaliseAlarmStateChange(
  body: unknown,
  mappings: readonly AlarmMapping[],
  now: Date,
): NormaliseResult {
  const refused = controlCharacterAt(body, ['detail.alarmName', 'resources[]']);
  if (refused) return refused;
  const parsed = z.safeParse(alarmStateChangeSchema, body, englishMessages);
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
  const observed = observedTime(state.timestamp, now, 'detail.state.timestamp');
  if (!observed.ok) return observed;
  const alarmArn = event.resources[0] as string;
  return {
    ok: true,
    ignored: [],
    signals: [
      makeSignal({
        source: 'cloudwatch',
        workload: mapping.workload,
        identity: alarmArn,
        state: state.value === 'ALARM' ? 'firing' : 'resolved',
        severity: mapping.severity,
        observedAt: observed.iso,
        episode: [alarmArn, state.timestamp, state.value],
        ...(state.reason ? { summary: state.reason } : {}),
        name: alarmArn.split(':alarm:').at(-1) ?? alarmArn,
      }),
    ],
  };
}

/**
 * The CloudWatch alarm notification SNS carries in `Message`, for metric and composite alarms
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-sns-notifications.html).
 */
export const alarmNotificationSchema = z.object({
  AlarmName: z.string().check(z.minLength(1), z.maxLength(255)),
  AlarmArn: z.string().check(z.startsWith('arn:'), z.maxLength(1024)),
  NewStateValue: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
  NewStateReason: z.optional(z.string().check(z.maxLength(16_384))),
  StateChangeTime: z.string().check(z.minLength(1), z.maxLength(40)),
});

/**
 * Translates the alarm notification SNS delivered. Alert and dedup keys are built as for the
 * EventBridge event (alarm ARN; ARN + state timestamp + state), so an alarm routed both ways is one
 * alert and each state change is applied once.
 */
export function normaliseAlarmNotification(
  message: string,
  mappings: readonly AlarmMapping[],
  now: Date,
): NormaliseResult {
  // Parsed as strictly as a body: SNS signs Message as text, and the document acted on must be the
  // only one that text can mean.
  const json = parseStrictJson(message);
  if (!json.ok) {
    return {
      ...reject(json.problem, `Message: not a CloudWatch alarm notification: ${json.message} of Message`, [
        'Message',
      ]),
      offset: json.offset,
    };
  }
  const document = json.value;
  const refused = controlCharacterAt(document, ['AlarmName', 'AlarmArn']);
  if (refused) {
    return {
      ...refused,
      message: `Message.${refused.message}`,
      fields: (refused.fields ?? []).map((f) => `Message.${f}`),
    };
  }
  const parsed = z.safeParse(alarmNotificationSchema, document, englishMessages);
  if (!parsed.success) {
    const { message: text, fields } = describeZodIssues(parsed.error);
    return reject(
      'malformed',
      `Message: not a CloudWatch alarm notification: ${text}`,
      fields.map((f) => `Message.${f}`),
    );
  }
  const alarm = parsed.data;
  const mapping = findAlarmMapping(alarm.AlarmName, mappings);
  if (!mapping) {
    return reject('unknown_workload', `no workload is mapped to alarm ${cleanName(alarm.AlarmName)}`, [
      'Message.AlarmName',
    ]);
  }
  if (alarm.NewStateValue === 'INSUFFICIENT_DATA') {
    return {
      ok: true,
      signals: [],
      ignored: [{ item: cleanName(alarm.AlarmName), reason: 'INSUFFICIENT_DATA is not a pressure signal' }],
    };
  }
  const observed = observedTime(alarm.StateChangeTime, now, 'Message.StateChangeTime');
  if (!observed.ok) return observed;
  return {
    ok: true,
    ignored: [],
    signals: [
      makeSignal({
        source: 'cloudwatch',
        workload: mapping.workload,
        identity: alarm.AlarmArn,
        state: alarm.NewStateValue === 'ALARM' ? 'firing' : 'resolved',
        severity: mapping.severity,
        observedAt: observed.iso,
        episode: [alarm.AlarmArn, alarm.StateChangeTime, alarm.NewStateValue],
        ...(alarm.NewStateReason ? { summary: alarm.NewStateReason } : {}),
        name: alarm.AlarmName,
      }),
    ],
  };
}

const cleanName = (name: string) => cleanText(name, 128);
