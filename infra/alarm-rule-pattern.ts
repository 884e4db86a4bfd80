import type { SpillwayConfig } from '../src/config/schema';

/** One entry of an EventBridge match list: an exact alarm name, or a prefix match. */
export type AlarmNameMatcher = string | { readonly prefix: string };

/**
 * An EventBridge event pattern, as EventBridge's PutRule takes it (JSON.stringify it), that
 * matches the state changes of the CloudWatch alarms the config maps to workloads.
 */
export interface AlarmRulePattern {
  readonly source: readonly ['aws.cloudwatch'];
  readonly 'detail-type': readonly ['CloudWatch Alarm State Change'];
  readonly detail: { readonly alarmName: readonly AlarmNameMatcher[] };
}

/**
 * The pattern of the rule that forwards CloudWatch alarm state changes to the signals queue.
 * Plain data with no CDK import: CDK deploys it and the integration tests put the same rule into
 * the emulator.
 *
 * @returns `undefined` when the config maps no alarm: EventBridge rejects an empty match list.
 */
export function alarmRulePattern(config: {
  readonly signals: Pick<SpillwayConfig['signals'], 'cloudwatch'>;
}): AlarmRulePattern | undefined {
  const seen = new Set<string>();
  const alarmName: AlarmNameMatcher[] = [];
  for (const mapping of config.signals.cloudwatch.alarms) {
    // Two mappings of the same alarm (say, one per severity) need one matcher, not two.
    const key = `${mapping.match}:${mapping.alarmName}`;
    if (seen.has(key)) continue;
    seen.add(key);
    alarmName.push(mapping.match === 'prefix' ? { prefix: mapping.alarmName } : mapping.alarmName);
  }
  if (alarmName.length === 0) return undefined;
  return {
    source: ['aws.cloudwatch'],
    'detail-type': ['CloudWatch Alarm State Change'],
    detail: { alarmName },
  };
}
