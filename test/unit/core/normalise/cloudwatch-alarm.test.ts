import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlarmMapping } from '../../../../src/config/schema';
import {
  findAlarmMapping,
  looksLikeAlarmEvent,
  normaliseAlarmNotification,
  normaliseAlarmStateChange,
} from '../../../../src/core/normalise/cloudwatch-alarm';
import type { NormaliseResult } from '../../../../src/core/normalise/result';
import type { Signal } from '../../../../src/core/signal';
import {
  alarmArnOf,
  alarmEvent,
  alertmanagerAlert,
  alertmanagerPayload,
  type Document,
  fixture,
  T0_ISO,
} from '../../factories';
import { mutate, mutationsArb, nastyValue } from '../../mutate';
import { expectWellFormed } from './well-formed';

const exact = (
  alarmName: string,
  workload: string,
  severity: AlarmMapping['severity'] = 'warning',
): AlarmMapping => ({
  alarmName,
  match: 'exact',
  workload,
  severity,
});
const prefix = (
  alarmName: string,
  workload: string,
  severity: AlarmMapping['severity'] = 'warning',
): AlarmMapping => ({
  alarmName,
  match: 'prefix',
  workload,
  severity,
});

const mappings: readonly AlarmMapping[] = [
  exact('ServerCpuTooHigh', 'checkout-api', 'critical'),
  prefix('Service', 'search-api'),
  prefix('checkout-api-', 'checkout-api', 'critical'),
];

/** After every sample's state change. */
const NOW = new Date(Date.parse(T0_ISO) + 3_600_000);

function onlySignal(result: NormaliseResult): Signal {
  if (!result.ok) throw new Error(`expected a signal, got ${result.code}: ${result.message}`);
  expect(result.signals).toHaveLength(1);
  return result.signals[0] as Signal;
}

describe('normaliseAlarmStateChange', () => {
  describe('with the sample events from the CloudWatch documentation', () => {
    it('translates the metric alarm going to ALARM into a firing signal', () => {
      // Prepare
      const event = fixture('cloudwatch/metric-alarm-state-change.json');

      // Act
      const result = normaliseAlarmStateChange(event, mappings, NOW);

      // Assess
      expect(result).toMatchObject({ ok: true, ignored: [] });
      expect(onlySignal(result)).toEqual({
        id: expect.stringMatching(/^sig-[0-9a-f]{20}$/),
        source: 'cloudwatch',
        workload: 'checkout-api',
        alertKey: 'cloudwatch:arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh',
        state: 'firing',
        severity: 'critical',
        observedAt: '2019-10-02T17:04:40.989Z',
        dedupKey: expect.stringMatching(/^cloudwatch:[0-9a-f]{24}$/),
        summary:
          'Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).',
        name: 'ServerCpuTooHigh',
      });
    });

    it('translates the composite alarm going to ALARM into a firing signal for its mapped workload', () => {
      // Prepare
      const event = fixture('cloudwatch/composite-alarm-state-change.json');

      // Act
      const signal = onlySignal(normaliseAlarmStateChange(event, mappings, NOW));

      // Assess
      expect(signal).toMatchObject({
        workload: 'search-api',
        alertKey: 'cloudwatch:arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServiceAggregatedAlarm',
        state: 'firing',
        severity: 'warning',
        observedAt: '2022-07-22T15:57:45.394Z',
      });
    });
  });

  describe('alarm states', () => {
    it('translates OK into a resolved signal of the same alert key, with another dedup key', () => {
      // Prepare
      const alarm = alarmEvent({ value: 'ALARM', timestamp: '2026-03-01T12:00:05.123+0000' });
      const ok = alarmEvent({ value: 'OK', timestamp: '2026-03-01T12:10:05.456+0000' });

      // Act
      const fired = onlySignal(normaliseAlarmStateChange(alarm, mappings, NOW));
      const cleared = onlySignal(normaliseAlarmStateChange(ok, mappings, NOW));

      // Assess
      expect(cleared).toMatchObject({ state: 'resolved', observedAt: '2026-03-01T12:10:05.456Z' });
      expect(cleared.alertKey).toBe(fired.alertKey);
      expect(cleared.alertKey).toBe(`cloudwatch:${alarmArnOf('checkout-api-latency-p99')}`);
      expect(cleared.dedupKey).not.toBe(fired.dedupKey);
    });

    it('ignores INSUFFICIENT_DATA with a reason', () => {
      // Prepare
      const event = alarmEvent({ value: 'INSUFFICIENT_DATA' });

      // Act
      const result = normaliseAlarmStateChange(event, mappings, NOW);

      // Assess
      expect(result).toEqual({
        ok: true,
        signals: [],
        ignored: [{ item: 'checkout-api-latency-p99', reason: 'INSUFFICIENT_DATA is not a pressure signal' }],
      });
    });

    it('gives a redelivered event the same dedup key and id', () => {
      // Act
      const one = onlySignal(normaliseAlarmStateChange(alarmEvent(), mappings, NOW));
      const two = onlySignal(
        normaliseAlarmStateChange({ ...alarmEvent(), id: 'another-delivery' }, mappings, NOW),
      );

      // Assess
      expect(two).toEqual(one);
    });

    it('reads a timestamp with an offset as the instant it names', () => {
      // Prepare
      const event = alarmEvent({ timestamp: '2026-03-01T17:30:05.000+0530' });

      // Act
      const signal = onlySignal(normaliseAlarmStateChange(event, mappings, NOW));

      // Assess
      expect(signal.observedAt).toBe('2026-03-01T12:00:05.000Z');
    });

    it('leaves the summary out when the state has no reason', () => {
      // Prepare
      const event = alarmEvent() as { detail: { state: Document } };
      delete event.detail.state.reason;

      // Act
      const signal = onlySignal(normaliseAlarmStateChange(event, mappings, NOW));

      // Assess
      expect(signal).not.toHaveProperty('summary');
    });
  });

  describe('mapping alarms to workloads', () => {
    it('prefers an exact mapping to any prefix, wherever it is listed', () => {
      // Prepare
      const list = [prefix('checkout-api-', 'checkout-api'), exact('checkout-api-latency-p99', 'search-api')];

      // Act
      const signal = onlySignal(normaliseAlarmStateChange(alarmEvent(), list, NOW));

      // Assess
      expect(signal.workload).toBe('search-api');
      expect(findAlarmMapping('checkout-api-latency-p99', [...list].reverse())).toEqual(list[1]);
    });

    it('takes the longest matching prefix, whatever the order of the list', () => {
      // Prepare
      const short = prefix('checkout-', 'search-api');
      const long = prefix('checkout-api-', 'checkout-api');

      // Act
      const found = [
        findAlarmMapping('checkout-api-latency-p99', [short, long]),
        findAlarmMapping('checkout-api-latency-p99', [long, short]),
      ];

      // Assess
      expect(found).toEqual([long, long]);
    });

    it('matches a prefix only at the start of the name and an exact mapping only on the whole name', () => {
      // Prepare
      const list = [prefix('checkout-api-', 'checkout-api'), exact('search-api', 'search-api')];

      // Act
      const found = ['prod-checkout-api-latency', 'search-api-latency'].map((name) =>
        findAlarmMapping(name, list),
      );

      // Assess
      expect(found).toEqual([undefined, undefined]);
    });

    it('rejects an alarm no mapping covers as unknown_workload, naming the field', () => {
      // Prepare
      const event = alarmEvent({ alarmName: 'billing-api-errors' });

      // Act
      const result = normaliseAlarmStateChange(event, mappings, NOW);

      // Assess
      expect(result).toEqual({
        ok: false,
        code: 'unknown_workload',
        message: 'no workload is mapped to alarm billing-api-errors',
        fields: ['detail.alarmName'],
      });
    });
  });

  describe('malformed events', () => {
    it('rejects an alarm configuration change (not a state change), naming detail-type', () => {
      // Prepare
      const event = { ...alarmEvent(), 'detail-type': 'CloudWatch Alarm Configuration Change' };

      // Act
      const result = normaliseAlarmStateChange(event, mappings, NOW);

      // Assess
      expect(result).toMatchObject({ ok: false, code: 'malformed', fields: ['detail-type'] });
      expect(!result.ok && result.message).toMatch(
        /^not a CloudWatch Alarm State Change event: detail-type: /,
      );
    });

    it('rejects an event without resources, naming the field', () => {
      // Act
      const result = normaliseAlarmStateChange({ ...alarmEvent(), resources: [] }, mappings, NOW);

      // Assess
      expect(result).toMatchObject({ ok: false, code: 'malformed', fields: ['resources'] });
    });

    it('rejects a state timestamp that is not a time', () => {
      // Act
      const result = normaliseAlarmStateChange(alarmEvent({ timestamp: 'yesterday' }), mappings, NOW);

      // Assess
      expect(result).toEqual({
        ok: false,
        code: 'malformed',
        message: 'detail.state.timestamp: not a time: yesterday',
        fields: ['detail.state.timestamp'],
      });
    });

    it('names every wrong field with an English reason, in the order of the schema', () => {
      // Prepare: zod/mini has no messages of its own, so these pin the English the parser supplies.
      const event = { ...alarmEvent(), time: '2026-03-01T12:00:05', resources: [] };
      const broken = {
        ...alarmEvent(),
        detail: { alarmName: 7, state: { value: 'ALARMING', timestamp: '' } },
      };

      // Act
      const results = [
        normaliseAlarmStateChange(event, mappings, NOW),
        normaliseAlarmStateChange(broken, mappings, NOW),
      ];

      // Assess
      expect(results).toEqual([
        {
          ok: false,
          code: 'malformed',
          message:
            'not a CloudWatch Alarm State Change event: time: Invalid ISO datetime; resources: Too small: expected array to have >=1 items',
          fields: ['time', 'resources'],
        },
        {
          ok: false,
          code: 'malformed',
          message:
            'not a CloudWatch Alarm State Change event: detail.alarmName: Invalid input: expected string, received number; detail.state.value: Invalid option: expected one of "OK"|"ALARM"|"INSUFFICIENT_DATA"; detail.state.timestamp: Too small: expected string to have >=1 characters',
          fields: ['detail.alarmName', 'detail.state.value', 'detail.state.timestamp'],
        },
      ]);
    });

    it('rejects an unknown alarm state value, naming its path', () => {
      // Prepare
      const event = alarmEvent() as { detail: { state: Document } };
      event.detail.state.value = 'ALARMING';

      // Act
      const result = normaliseAlarmStateChange(event, mappings, NOW);

      // Assess
      expect(result).toMatchObject({ ok: false, code: 'malformed', fields: ['detail.state.value'] });
    });
  });

  it('rejects a state change time before 2000 at the edge, as every source does (found by the mutation property)', () => {
    // Act
    const result = normaliseAlarmStateChange(
      alarmEvent({ value: 'ALARM', timestamp: '0001-01-01T00:00:00Z' }),
      mappings,
      NOW,
    );

    // Assess
    expect(result).toMatchObject({ ok: false, code: 'malformed', fields: ['detail.state.timestamp'] });
  });

  describe('for any input', () => {
    const known = new Set(mappings.map((m) => m.workload));

    it('returns a well-formed signal or a typed rejection, and never throws (anything)', () => {
      fc.assert(
        fc.property(nastyValue, (body) => {
          expectWellFormed(normaliseAlarmStateChange(body, mappings, NOW), known);
        }),
        { numRuns: 300 },
      );
    });

    it('returns a well-formed signal or a typed rejection, and never throws (mutated samples)', () => {
      const samples = [
        fixture('cloudwatch/metric-alarm-state-change.json'),
        fixture('cloudwatch/composite-alarm-state-change.json'),
        alarmEvent({ value: 'OK' }),
      ];
      fc.assert(
        fc.property(fc.constantFrom(...samples), mutationsArb, (sample, mutations) => {
          expectWellFormed(normaliseAlarmStateChange(mutate(sample, mutations), mappings, NOW), known);
        }),
        { numRuns: 500 },
      );
    });
  });
});

describe('normaliseAlarmNotification', () => {
  it('names every wrong field of the SNS message with an English reason, under Message', () => {
    // Prepare: zod/mini has no messages of its own, so this pins the English the parser supplies.
    const message = {
      ...(fixture('cloudwatch-sns/metric-alarm-message.json') as Document),
      AlarmName: '',
      AlarmArn: 'cloudwatch:x',
      StateChangeTime: 'x'.repeat(41),
    };

    // Act
    const result = normaliseAlarmNotification(JSON.stringify(message), mappings, new Date(T0_ISO));

    // Assess
    expect(result).toEqual({
      ok: false,
      code: 'malformed',
      message:
        'Message: not a CloudWatch alarm notification: AlarmName: Too small: expected string to have >=1 characters; AlarmArn: Invalid string: must start with "arn:"; StateChangeTime: Too big: expected string to have <=40 characters',
      fields: ['Message.AlarmName', 'Message.AlarmArn', 'Message.StateChangeTime'],
    });
  });
});

describe('looksLikeAlarmEvent', () => {
  it.each([
    ['a CloudWatch event', alarmEvent(), true],
    ['an invalid event that claims to come from CloudWatch', { source: 'aws.cloudwatch' }, true],
    ['an Alertmanager payload', alertmanagerPayload([alertmanagerAlert()]), false],
    ['an EC2 event', { source: 'aws.ec2' }, false],
    ['null', null, false],
    ['a string', 'aws.cloudwatch', false],
  ])('tells %s: %s', (_, body, expected) => {
    expect(looksLikeAlarmEvent(body)).toBe(expected);
  });
});
