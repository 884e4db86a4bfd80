import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NormaliseResult } from '../../../../src/core/normalise/result';
import { type WebhookSource, webhookSource } from '../../../../src/core/normalise/sources';
import type { Signal } from '../../../../src/core/signal';
import { aConfig, at, fixture } from '../../factories';
import { mutate, mutationsArb, nastyValue } from '../../mutate';
import { expectWellFormed } from './well-formed';

/** A config where every source maps checkout-api and search-api the documented way. */
const config = aConfig({
  signals: {
    zabbix: { hostGroups: [{ group: 'Search', workload: 'search-api' }] },
    icinga: { hosts: [{ host: 'checkout-api-', match: 'prefix', workload: 'checkout-api' }] },
    nagios: { hosts: [{ host: 'search-api-', match: 'prefix', workload: 'search-api' }] },
    cloudwatch: {
      alarms: [
        { alarmName: 'checkout-api-', match: 'prefix', workload: 'checkout-api', severity: 'critical' },
      ],
    },
  },
});
const known = new Set(['checkout-api', 'search-api']);
/** After every sample's resolution: the resolved samples end 20 minutes after T0. */
const NOW = at(3600);

const normalise = (source: WebhookSource, body: unknown, now = NOW) =>
  webhookSource(source, config).normalise(body, now);

function only(result: NormaliseResult): Signal {
  if (!result.ok) throw new Error(`expected a signal, got ${result.code}: ${result.message}`);
  expect(result.signals).toHaveLength(1);
  return result.signals[0] as Signal;
}

/** SNS carries the alarm as text; any value as the text a hostile sender could put there. */
function asText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    return '{"not": "serialisable"}';
  }
}

const snsMessage = (name: string) => JSON.stringify(fixture(`cloudwatch-sns/${name}`));

/** Each source's firing and resolved samples, and the signal each must become. */
const samples: {
  source: WebhookSource;
  firing: unknown;
  resolved: unknown;
  expected: Partial<Signal>;
  firingAt: string;
  resolvedAt: string;
}[] = [
  {
    source: 'grafana',
    firing: fixture('grafana/webhook-firing.json'),
    resolved: fixture('grafana/webhook-resolved.json'),
    expected: {
      source: 'grafana',
      workload: 'checkout-api',
      alertKey: 'grafana:57c6d9296de2ad39',
      severity: 'critical',
    },
    firingAt: '2026-03-01T11:55:10.000Z',
    resolvedAt: '2026-03-01T12:10:10.000Z',
  },
  {
    source: 'zabbix',
    firing: fixture('zabbix/problem.json'),
    resolved: fixture('zabbix/recovery.json'),
    expected: { source: 'zabbix', workload: 'checkout-api', alertKey: 'zabbix:4211', severity: 'critical' },
    firingAt: '2026-03-01T11:55:10.000Z',
    resolvedAt: '2026-03-01T12:15:10.000Z',
  },
  {
    source: 'datadog',
    firing: fixture('datadog/triggered.json'),
    resolved: fixture('datadog/recovered.json'),
    expected: {
      source: 'datadog',
      workload: 'checkout-api',
      alertKey: 'datadog:81920452/env:prod',
      severity: 'critical',
    },
    firingAt: '2026-03-01T11:55:10.000Z',
    resolvedAt: '2026-03-01T12:15:10.000Z',
  },
  {
    source: 'icinga',
    firing: fixture('icinga/service-problem.json'),
    resolved: fixture('icinga/service-recovery.json'),
    expected: {
      source: 'icinga',
      workload: 'checkout-api',
      alertKey: 'icinga:checkout-api-7.onprem-dc1.example.net/http-latency',
      severity: 'critical',
    },
    firingAt: '2026-03-01T11:55:10.000Z',
    resolvedAt: '2026-03-01T12:15:10.000Z',
  },
  {
    source: 'icinga',
    firing: fixture('icinga-notifications/webhook-problem.json'),
    resolved: fixture('icinga-notifications/webhook-recovery.json'),
    expected: {
      source: 'icinga',
      workload: 'checkout-api',
      alertKey: 'icinga:checkout-api-7.onprem-dc1.example.net/http-latency',
      severity: 'critical',
    },
    firingAt: '2026-03-01T11:55:10.445Z',
    resolvedAt: '2026-03-01T12:15:10.018Z',
  },
  {
    source: 'nagios',
    firing: fixture('nagios/host-down.json'),
    resolved: fixture('nagios/host-up.json'),
    expected: { source: 'nagios', workload: 'search-api', severity: 'critical' },
    firingAt: '2026-03-01T11:55:10.000Z',
    resolvedAt: '2026-03-01T12:15:10.000Z',
  },
  {
    source: 'cloudwatch-sns',
    firing: snsMessage('metric-alarm-message.json'),
    resolved: snsMessage('metric-alarm-ok-message.json'),
    expected: {
      source: 'cloudwatch',
      workload: 'checkout-api',
      alertKey: 'cloudwatch:arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-api-cpu-high',
      severity: 'critical',
    },
    firingAt: '2026-03-01T11:55:10.123Z',
    resolvedAt: '2026-03-01T12:10:10.456Z',
  },
  {
    source: 'generic',
    firing: fixture('generic/firing.json'),
    resolved: fixture('generic/resolved.json'),
    expected: { source: 'generic', workload: 'checkout-api', alertKey: 'generic:queue-depth-high' },
    firingAt: '2026-03-01T11:55:10.000Z',
    resolvedAt: '2026-03-01T12:15:00.000Z',
  },
];

describe.each(samples)('the $source normaliser', (sample) => {
  it('translates the firing sample into one firing signal at the time the source observed it', () => {
    const signal = only(normalise(sample.source, sample.firing));
    expect(signal).toMatchObject({ ...sample.expected, state: 'firing', observedAt: sample.firingAt });
  });

  it('translates the resolved sample into a resolved signal of the same alert with another dedup key', () => {
    const fired = only(normalise(sample.source, sample.firing));
    const ended = only(normalise(sample.source, sample.resolved));
    expect(ended).toMatchObject({
      state: 'resolved',
      observedAt: sample.resolvedAt,
      workload: fired.workload,
    });
    expect(ended.alertKey).toBe(fired.alertKey);
    expect(ended.dedupKey).not.toBe(fired.dedupKey);
  });

  it('gives a redelivery of the same notification the same dedup key and id', () => {
    const first = only(normalise(sample.source, sample.firing));
    const again = only(normalise(sample.source, structuredClone(sample.firing), at(7200)));
    expect([again.dedupKey, again.id]).toEqual([first.dedupKey, first.id]);
  });

  it('returns well-formed signals or a typed rejection for any mutation of the samples, never throwing', () => {
    fc.assert(
      fc.property(fc.constantFrom(sample.firing, sample.resolved), mutationsArb, (base, mutations) => {
        const input =
          typeof base === 'string' ? asText(mutate(JSON.parse(base), mutations)) : mutate(base, mutations);
        expectWellFormed(normalise(sample.source, input), known);
      }),
      { numRuns: 300 },
    );
  });

  it('returns well-formed signals or a typed rejection for any value at all', () => {
    fc.assert(
      fc.property(nastyValue, (value) => {
        expectWellFormed(
          normalise(sample.source, sample.source === 'cloudwatch-sns' ? asText(value) : value),
          known,
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe('source-specific rules', () => {
  it('Grafana: a test notification without a workload label is ignored with the reason', () => {
    const body = fixture('grafana/webhook-firing.json') as { alerts: { labels: Record<string, string> }[] };
    delete body.alerts[0]?.labels.workload;
    expect(normalise('grafana', body)).toMatchObject({
      ok: true,
      signals: [],
      ignored: [{ item: 'CheckoutErrorRateHigh', reason: "no 'workload' label" }],
    });
  });

  it('Zabbix: a host group maps the workload when the event has no workload tag', () => {
    const body = fixture('zabbix/problem.json') as { event: { tags: unknown[] }; host: { groups: string[] } };
    body.event.tags = [];
    body.host.groups = ['Search'];
    expect(only(normalise('zabbix', body)).workload).toBe('search-api');
  });

  it('Zabbix: the same event id with value 1 and 0 are two episodes of one alert', () => {
    const problem = only(normalise('zabbix', fixture('zabbix/problem.json')));
    expect(problem.alertKey).toBe('zabbix:4211');
    expect(problem.summary).toBe(
      'checkout-api-7: High CPU utilization (over 90% for 5m): Current utilization: 97.2 %',
    );
  });

  it('Datadog: the default payload is read from its title, and ignored when it names no workload', () => {
    expect(normalise('datadog', fixture('datadog/default-payload-triggered.json'))).toMatchObject({
      ok: true,
      signals: [],
      ignored: [{ reason: "no 'workload:<workload>' tag" }],
    });
    const withTags = {
      ...(fixture('datadog/default-payload-triggered.json') as object),
      tags: 'workload:search-api',
    };
    expect(only(normalise('datadog', withTags))).toMatchObject({ state: 'firing', workload: 'search-api' });
  });

  it.each([
    ['Re-Triggered', 'firing'],
    ['Warn', 'firing'],
    ['Recovered', 'resolved'],
  ])('Datadog: transition %s is %s', (transition, state) => {
    const body = { ...(fixture('datadog/triggered.json') as object), alert_transition: transition };
    expect(only(normalise('datadog', body)).state).toBe(state);
  });

  it('Datadog: No Data is not a pressure signal', () => {
    const body = { ...(fixture('datadog/triggered.json') as object), alert_transition: 'No Data' };
    expect(normalise('datadog', body)).toMatchObject({ ok: true, signals: [], ignored: [{}] });
  });

  it.each([
    ['ACKNOWLEDGEMENT', 'CRITICAL', 'notification type ACKNOWLEDGEMENT is not a pressure signal'],
    ['PROBLEM', 'UNKNOWN', 'state UNKNOWN is not a pressure signal'],
  ])('Icinga: %s / %s is ignored with the reason', (notificationType, state, reason) => {
    const body = { ...(fixture('icinga/service-problem.json') as object), notificationType, state };
    expect(normalise('icinga', body)).toMatchObject({ ok: true, signals: [], ignored: [{ reason }] });
  });

  it('CloudWatch via SNS: a composite alarm fires like a metric alarm', () => {
    expect(only(normalise('cloudwatch-sns', snsMessage('composite-alarm-message.json')))).toMatchObject({
      source: 'cloudwatch',
      workload: 'checkout-api',
      state: 'firing',
      alertKey: 'cloudwatch:arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-api-composite',
    });
  });

  it('Generic: an unknown workload is a 422 naming the field', () => {
    const body = fixture('generic/firing.json') as { signals: { workload: string }[] };
    (body.signals[0] as { workload: string }).workload = 'ledger';
    expect(normalise('generic', body)).toMatchObject({
      ok: false,
      code: 'unknown_workload',
      fields: ['signals[].workload'],
    });
  });
});

describe('the timestamp rule, at the edge', () => {
  const alertAt = (observedAt: string) => ({
    schema: 'spillway.signal/v1',
    signals: [{ workload: 'checkout-api', alert: 'a', state: 'firing', observedAt }],
  });

  it.each([
    ['0000-01-01T00:00:00Z', 'before 2000'],
    ['1999-12-31T23:59:59Z', 'before 2000'],
    ['9999-12-31T00:00:00Z', 'more than 24 hours in the future'],
  ])('rejects %s (%s) with 400 naming the field', (observedAt, why) => {
    const result = normalise('generic', alertAt(observedAt), at(0));
    expect(result).toMatchObject({ ok: false, code: 'malformed', fields: ['signals[0].observedAt'] });
    expect(!result.ok && result.message).toContain(why);
  });

  it('clamps a time more than 5 minutes ahead to now, and keeps one less than 5 minutes ahead', () => {
    expect(only(normalise('generic', alertAt('2026-03-01T13:00:00Z'), at(0))).observedAt).toBe(
      '2026-03-01T12:00:00.000Z',
    );
    expect(only(normalise('generic', alertAt('2026-03-01T12:04:00Z'), at(0))).observedAt).toBe(
      '2026-03-01T12:04:00.000Z',
    );
  });

  it('rejects an Alertmanager alert from the year 0000 at the edge instead of dead-lettering it later', () => {
    const body = fixture('alertmanager/webhook-v4-firing.json') as { alerts: { startsAt: string }[] };
    (body.alerts[0] as { startsAt: string }).startsAt = '0000-01-01T00:00:00Z';
    expect(normalise('alertmanager', body)).toMatchObject({ ok: false, fields: ['alerts[0].startsAt'] });
  });
});

describe('hostile text', () => {
  it('keeps keys tag-safe and descriptive text free of control characters whatever it holds', () => {
    const body = fixture('grafana/webhook-firing.json') as {
      alerts: { fingerprint: string; annotations: Record<string, string>; labels: Record<string, string> }[];
    };
    const alert = body.alerts[0] as (typeof body.alerts)[number];
    alert.fingerprint = `fp é/${'x'.repeat(200)}`;
    alert.annotations.summary = `a\u0000b\nc\u202ed\ud800${'é'.repeat(5000)}`;
    alert.labels.instance = 'web-1\n(rack 4)';
    const signal = only(normalise('grafana', body));
    expect(signal.alertKey).toMatch(/^grafana:sha256=[0-9a-f]{32}$/);
    expect(signal.summary?.startsWith('a b c d\ufffd')).toBe(true);
    expect(Array.from(signal.summary ?? '').length).toBe(256);
    expectWellFormed({ ok: true, signals: [signal], ignored: [] }, known);
  });
});

describe('observedTime', () => {
  it.each([-1e20, -1, 0, 1e300, Number.NaN])('rejects the number %d without throwing', async (raw) => {
    const { observedTime } = await import('../../../../src/core/normalise/time');
    expect(observedTime(raw, at(0), 'f')).toMatchObject({ ok: false, fields: ['f'] });
  });
});
