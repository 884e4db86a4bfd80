import { describe, expect, it } from 'vitest';
import type { WebhookSource } from '../../../../src/core/normalise/sources';
import { webhookSource } from '../../../../src/core/normalise/sources';
import { parseQueueMessage } from '../../../../src/usecases/parse-queue-message';
import { aConfig, alarmEvent, at, type Document, fixture } from '../../factories';

const config = aConfig({
  signals: {
    icinga: { hosts: [{ host: 'checkout-api-', match: 'prefix', workload: 'checkout-api' }] },
    cloudwatch: {
      alarms: [
        { alarmName: 'checkout-api-', match: 'prefix', workload: 'checkout-api', severity: 'critical' },
      ],
    },
  },
});
const NOW = at(3600);
const normalise = (source: WebhookSource, body: unknown) =>
  webhookSource(source, config).normalise(body, NOW);
const sample = (path: string) => fixture(path) as Document;

describe('Icinga Notifications, as its Webhook channel posts by default', () => {
  it('fires and resolves the same alert as the notification command does for that service', () => {
    // Act
    const fired = normalise('icinga', sample('icinga-notifications/webhook-problem.json'));
    const resolved = normalise('icinga', sample('icinga-notifications/webhook-recovery.json'));
    const command = normalise('icinga', sample('icinga/service-problem.json'));

    // Assess
    expect(fired).toMatchObject({ ok: true, signals: [{ state: 'firing', severity: 'critical' }] });
    expect(resolved).toMatchObject({ ok: true, signals: [{ state: 'resolved' }] });
    const keys = [fired, resolved, command].map((r) => (r.ok ? r.signals[0]?.alertKey : r.code));
    expect(new Set(keys)).toEqual(new Set(['icinga:checkout-api-7.onprem-dc1.example.net/http-latency']));
  });

  it.each([
    [
      'a notification without an incident',
      { incident: null },
      'no incident: not a notification about a state',
    ],
    [
      'an informational severity',
      { incident: { id: 1, severity: 'notice' } },
      'severity notice is not a pressure signal',
    ],
  ])('ignores %s with the reason', (_, change, reason) => {
    const body = { ...sample('icinga-notifications/webhook-problem.json'), ...change };
    expect(normalise('icinga', body)).toMatchObject({ ok: true, signals: [], ignored: [{ reason }] });
  });

  it('is not read for nagios, which has no such channel', () => {
    const result = normalise('nagios', sample('icinga-notifications/webhook-problem.json'));
    expect(result).toMatchObject({ ok: false, code: 'malformed' });
  });
});

describe('Grafana legacy alerting', () => {
  it('is refused with 422 saying which Grafana setting to change', () => {
    const result = normalise('grafana', sample('grafana/legacy-alerting.json'));
    expect(result).toMatchObject({ ok: false, code: 'grafana_legacy_alerting', fields: ['ruleId'] });
    expect(!result.ok && result.message).toContain('[unified_alerting] enabled = true');
  });
});

describe('Datadog: validated before deciding to ignore', () => {
  const noData = (change: Document) => ({
    ...sample('datadog/triggered.json'),
    alert_transition: 'No Data',
    ...change,
  });

  it.each([
    ['year 9999', { last_updated: String(Date.UTC(9999, 0, 1)) }, 'last_updated'],
    ['year 0', { last_updated: '0' }, 'last_updated'],
  ])('refuses a date of %s with 400 even on a transition it would ignore', (_, change, field) => {
    expect(normalise('datadog', noData(change))).toMatchObject({
      ok: false,
      code: 'malformed',
      fields: [field],
    });
  });

  it('refuses a body relayed without the id and event type every notification carries', () => {
    const { id: _, event_type: __, ...relayed } = sample('datadog/triggered.json');
    expect(normalise('datadog', relayed)).toMatchObject({
      ok: false,
      code: 'malformed',
      fields: ['id', 'event_type'],
    });
  });

  it('refuses unexpanded template variables with 422 naming each', () => {
    const body = {
      ...sample('datadog/triggered.json'),
      title: '$EVENT_TITLE',
      org: { id: '$ORG_ID', name: 'x' },
    };
    const result = normalise('datadog', body);
    expect(result).toMatchObject({ ok: false, code: 'unexpanded_template', fields: ['title', 'org.id'] });
    expect(!result.ok && result.message).toContain('title = $EVENT_TITLE');
  });

  it('reads the tags from event_tags as well', () => {
    const { tags, ...rest } = sample('datadog/triggered.json');
    expect(normalise('datadog', { ...rest, event_tags: tags })).toMatchObject({
      ok: true,
      signals: [{ workload: 'checkout-api', state: 'firing' }],
    });
  });
});

describe('identifiers', () => {
  it('keeps look-alike letters as sent: a Cyrillic workload name is not checkout-api', () => {
    const body = sample('generic/firing.json');
    (body.signals as Document[])[0] = { ...(body.signals as Document[])[0], workload: 'сheckout-api' };
    const result = normalise('generic', body);
    expect(result).toMatchObject({
      ok: false,
      code: 'unknown_workload',
      message: 'unknown workload(s): сheckout-api',
    });
  });

  it('keeps a fullwidth fingerprint apart from its ASCII twin', () => {
    const ascii = sample('alertmanager/webhook-v4-firing.json');
    const wide = sample('alertmanager/webhook-v4-firing.json');
    const alerts = wide.alerts as Document[];
    alerts[0] = { ...alerts[0], fingerprint: 'ｆｐ1' };
    (ascii.alerts as Document[])[0] = { ...(ascii.alerts as Document[])[0], fingerprint: 'fp1' };
    const [a, w] = [normalise('alertmanager', ascii), normalise('alertmanager', wide)];
    expect(a.ok && w.ok && a.signals[0]?.alertKey !== w.signals[0]?.alertKey).toBe(true);
  });

  it.each([
    [
      'a NUL in a label name',
      'alerts[0].labels',
      (a: Document): Document => ({ ...a, labels: { ...(a.labels as Document), 'a\u0000': 'x' } }),
    ],
    [
      'a bidi override in the workload',
      'alerts[0].labels.workload',
      (a: Document): Document => ({
        ...a,
        labels: { ...(a.labels as Document), workload: 'checkout-api\u202e' },
      }),
    ],
  ])('refuses %s with 422 naming the field', (_, field, change) => {
    const body = sample('alertmanager/webhook-v4-firing.json');
    body.alerts = (body.alerts as Document[]).map(change);
    expect(normalise('alertmanager', body)).toMatchObject({
      ok: false,
      code: 'control_character',
      fields: [field],
    });
  });
});

describe('CloudWatch alarm events from EventBridge', () => {
  it('refuses an ALARM stamped two centuries ahead, so a genuine OK stamped now resolves the alarm', () => {
    // Prepare
    const future = alarmEvent({ value: 'ALARM', timestamp: '2226-03-01T12:00:05.123+0000' });
    const ok = alarmEvent({ value: 'OK', timestamp: '2026-03-01T12:59:00.000+0000' });

    // Act
    const refused = parseQueueMessage(JSON.stringify(future), config, NOW);
    const accepted = parseQueueMessage(JSON.stringify(ok), config, NOW);

    // Assess
    expect(refused).toEqual({
      ok: false,
      reason: 'detail.state.timestamp: more than 24 hours in the future (malformed)',
    });
    expect(accepted).toMatchObject({
      ok: true,
      signals: [{ state: 'resolved', observedAt: '2026-03-01T12:59:00.000Z' }],
    });
  });

  it('clamps a state change a few minutes ahead to now, as webhooks do', () => {
    const skewed = alarmEvent({ value: 'ALARM', timestamp: '2026-03-01T13:30:00.000+0000' });
    expect(parseQueueMessage(JSON.stringify(skewed), config, NOW)).toMatchObject({
      ok: true,
      signals: [{ observedAt: NOW.toISOString() }],
    });
  });
});
