import { describe, expect, it } from 'vitest';
import { alarmRulePattern } from '../../infra/alarm-rule-pattern';
import type { AlarmMapping } from '../../src/config/schema';

const mapping = (alarmName: string, match: 'exact' | 'prefix', workload = 'checkout-api'): AlarmMapping => ({
  alarmName,
  match,
  workload,
  severity: 'warning',
});
const configWith = (...alarms: AlarmMapping[]) => ({
  signals: { alertmanager: { workloadLabel: 'workload' }, cloudwatch: { alarms } },
});

describe('alarmRulePattern', () => {
  it('matches CloudWatch alarm state changes by exact name and by prefix, in config order', () => {
    // Prepare
    const config = configWith(
      mapping('checkout-api-prod-', 'prefix'),
      mapping('search-api-latency-high', 'exact'),
    );

    // Act
    const pattern = alarmRulePattern(config);

    // Assess
    expect(pattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: [{ prefix: 'checkout-api-prod-' }, 'search-api-latency-high'] },
    });
  });

  it('lists an alarm once even when several mappings name it', () => {
    // Prepare
    const config = configWith(
      mapping('db-cpu-high', 'exact', 'checkout-api'),
      mapping('db-cpu-high', 'exact', 'search'),
    );

    // Act
    const pattern = alarmRulePattern(config);

    // Assess
    expect(pattern?.detail.alarmName).toEqual(['db-cpu-high']);
  });

  it('keeps an exact name and a prefix of the same text apart', () => {
    // Prepare
    const config = configWith(mapping('checkout', 'exact'), mapping('checkout', 'prefix'));

    // Act
    const pattern = alarmRulePattern(config);

    // Assess
    expect(pattern?.detail.alarmName).toEqual(['checkout', { prefix: 'checkout' }]);
  });

  it('returns nothing when no alarm is mapped, since EventBridge rejects an empty match list', () => {
    // Act
    const pattern = alarmRulePattern(configWith());

    // Assess
    expect(pattern).toBeUndefined();
  });

  it('is plain JSON that EventBridge PutRule accepts as it is', () => {
    // Prepare
    const pattern = alarmRulePattern(configWith(mapping('checkout-api-', 'prefix')));

    // Act
    const roundTripped = JSON.parse(JSON.stringify(pattern));

    // Assess
    expect(roundTripped).toEqual(pattern);
  });
});
