import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signStandardWebhooks } from '../../../src/core/auth/signatures';
import { rejectionStatus } from '../../../src/core/normalise/result';
import { type WebhookSource, webhookSources } from '../../../src/core/normalise/sources';
import { ingestWebhook, MAX_BODY_BYTES, type WebhookResponse } from '../../../src/usecases/ingest-webhook';
import { parseQueueMessage } from '../../../src/usecases/parse-queue-message';
import { aConfig, alarmEvent, at, type Document, fixture } from '../factories';
import { fakeIngest, signSns } from './ingest-deps';

/**
 * docs/ingest.md promises one answer per defect, whatever the source. This test reads that table
 * and sends each row's defect from each source it lists (and, where the table says so, puts it in a
 * CloudWatch alarm event on the queue), so the table and the code cannot drift apart.
 */

const TOKEN = 'defect-token';
const WHSEC = `whsec_${Buffer.from('a-32-byte-long-standard-webhooks!').toString('base64')}`;
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:spillway-alarms';
const NOW = at(3600);
const SIGNED = new Set<WebhookSource>(['icinga', 'nagios', 'generic']);

const config = aConfig({
  signals: {
    zabbix: { hostGroups: [{ group: 'Search', workload: 'search-api' }] },
    icinga: { hosts: [{ host: 'checkout-api-', match: 'prefix', workload: 'checkout-api' }] },
    nagios: { hosts: [{ host: 'search-api-', match: 'prefix', workload: 'search-api' }] },
    'cloudwatch-sns': { auth: { scheme: 'sns', topicArns: [TOPIC] } },
    cloudwatch: {
      alarms: [
        { alarmName: 'checkout-api-', match: 'prefix', workload: 'checkout-api', severity: 'critical' },
      ],
    },
  },
});

interface Row {
  readonly defect: string;
  readonly status: number;
  readonly error: string;
  readonly sources: readonly WebhookSource[];
  readonly eventBridge: boolean;
}

/** The defect table of docs/ingest.md, as rows. */
function defectTable(): Row[] {
  const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/ingest.md'), 'utf8');
  const section = doc.split('## Every defect, one answer')[1]?.split('\n## ')[0] ?? '';
  const lines = section.split('\n').filter((line) => line.startsWith('|'));
  return lines.slice(2).map((line) => {
    const [defect = '', status = '', error = '', sources = '', eventBridge = ''] = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim().replaceAll('`', ''));
    return {
      defect,
      status: Number(status),
      error,
      sources:
        sources === 'all'
          ? webhookSources
          : sources === 'none'
            ? []
            : (sources.split(',').map((s) => s.trim()) as WebhookSource[]),
      eventBridge: eventBridge === 'dead-letter',
    };
  });
}

/** A valid document per source (for cloudwatch-sns, its Message), which each defect then breaks. */
const samples: Record<WebhookSource, () => Document> = {
  alertmanager: () => fixture('alertmanager/webhook-v4-firing.json') as Document,
  grafana: () => fixture('grafana/webhook-firing.json') as Document,
  zabbix: () => fixture('zabbix/problem.json') as Document,
  datadog: () => fixture('datadog/triggered.json') as Document,
  icinga: () => fixture('icinga-notifications/webhook-problem.json') as Document,
  nagios: () => fixture('nagios/host-down.json') as Document,
  generic: () => fixture('generic/firing.json') as Document,
  'cloudwatch-sns': () => fixture('cloudwatch-sns/metric-alarm-message.json') as Document,
};

/** Where each source keeps what a defect breaks; paths are dotted, with array indices. */
const places: Record<
  WebhookSource | 'eventbridge',
  { required: string; time: string; timeAs: (ms: number) => string | number; identifier: string }
> = {
  alertmanager: {
    required: 'version',
    time: 'alerts.0.startsAt',
    timeAs: iso,
    identifier: 'alerts.0.fingerprint',
  },
  grafana: {
    required: 'version',
    time: 'alerts.0.startsAt',
    timeAs: iso,
    identifier: 'alerts.0.fingerprint',
  },
  zabbix: { required: 'event', time: 'event.timestamp', timeAs: seconds, identifier: 'host.name' },
  datadog: { required: 'id', time: 'last_updated', timeAs: (ms) => String(ms), identifier: 'alert_id' },
  icinga: { required: 'event', time: 'event.time', timeAs: iso, identifier: 'object.tags.host' },
  nagios: { required: 'host', time: 'lastStateChange', timeAs: seconds, identifier: 'host' },
  generic: { required: 'signals', time: 'signals.0.observedAt', timeAs: iso, identifier: 'signals.0.alert' },
  'cloudwatch-sns': {
    required: 'AlarmArn',
    time: 'StateChangeTime',
    timeAs: iso,
    identifier: 'AlarmName',
  },
  eventbridge: {
    required: 'detail',
    time: 'detail.state.timestamp',
    timeAs: iso,
    identifier: 'detail.alarmName',
  },
};

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
function seconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}

function setAt(document: Document, path: string, value: unknown): void {
  const keys = path.split('.');
  let parent = document as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  parent[keys.at(-1) as string] = value;
}

function deleteAt(document: Document, path: string): void {
  const keys = path.split('.');
  let parent = document as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  delete parent[keys.at(-1) as string];
}

const manyLabels = (count: number, keep: Record<string, string>) =>
  Object.fromEntries([
    ...Object.entries(keep),
    ...Array.from({ length: count - Object.keys(keep).length }, (_, i) => [`l${i}`, 'v']),
  ]);

/** Puts `count` labels or tags on the first alert of the document. */
const labelled: Partial<Record<WebhookSource, (document: Document, count: number) => void>> = {
  alertmanager: (d, count) => setAt(d, 'alerts.0.labels', manyLabels(count, { workload: 'checkout-api' })),
  grafana: (d, count) => setAt(d, 'alerts.0.labels', manyLabels(count, { workload: 'checkout-api' })),
  zabbix: (d, count) =>
    setAt(
      d,
      'event.tags',
      Array.from({ length: count }, (_, i) => ({
        tag: i === 0 ? 'workload' : `t${i}`,
        value: 'checkout-api',
      })),
    ),
  datadog: (d, count) =>
    setAt(
      d,
      'tags',
      ['workload:checkout-api', ...Array.from({ length: count - 1 }, (_, i) => `t${i}:v`)].join(','),
    ),
  icinga: (d, count) =>
    setAt(d, 'object.tags', manyLabels(count, { host: 'checkout-api-7', service: 'http-latency' })),
};

/** A raw body: the bytes to send, or a document to serialise (and, for SNS, sign as its Message). */
type Body = { readonly bytes: Buffer } | { readonly document: Document };

interface Delivery {
  readonly source: string;
  readonly body: Body;
  readonly contentType?: string;
  readonly unauthenticated?: boolean;
}

/** The serialised outer body: for cloudwatch-sns, the signed SNS envelope around the Message. */
function outerText(source: string, document: Document, tamper = false): string {
  if (source !== 'cloudwatch-sns') return JSON.stringify(document);
  const envelope = fixture('cloudwatch-sns/notification-envelope.json') as Document;
  const signed = signSns({ ...envelope, Message: JSON.stringify(document) } as never);
  return JSON.stringify(tamper ? { ...signed, Message: `${signed.Message} ` } : signed);
}

/** The valid outer body of `source` as text; for EventBridge, an alarm event. */
const validText = (source: WebhookSource | 'eventbridge') =>
  source === 'eventbridge' ? JSON.stringify(alarmEvent()) : outerText(source, samples[source]());

/** Byte-level defects are made in the outer body's text, before its first member. */
const withFirstMember =
  (source: WebhookSource | 'eventbridge', member: (string | number[])[]) => (): Body => {
    const text = validText(source);
    const parts = member.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part)));
    return {
      bytes: Buffer.concat([Buffer.from('{'), ...parts, Buffer.from(','), Buffer.from(text.slice(1))]),
    };
  };

function send(delivery: Delivery): Promise<WebhookResponse> {
  const { source, body } = delivery;
  const bytes =
    'bytes' in body ? body.bytes : Buffer.from(outerText(source, body.document, delivery.unauthenticated));
  const headers: Record<string, string> = {
    'content-type':
      delivery.contentType ??
      (source === 'cloudwatch-sns' ? 'text/plain; charset=UTF-8' : 'application/json'),
  };
  if (!delivery.unauthenticated && SIGNED.has(source as WebhookSource)) {
    const timestamp = String(Math.floor(NOW.getTime() / 1000));
    headers['webhook-id'] = 'msg_defect';
    headers['webhook-timestamp'] = timestamp;
    headers['webhook-signature'] = signStandardWebhooks(WHSEC, 'msg_defect', timestamp, bytes);
  } else if (!delivery.unauthenticated && source !== 'cloudwatch-sns') {
    headers.authorization = `Bearer ${TOKEN}`;
  }
  const secrets = Object.fromEntries(
    webhookSources.map((s) => [s, SIGNED.has(s) ? [WHSEC] : [TOKEN]] as const),
  );
  return ingestWebhook(
    { source, headers, body: new Uint8Array(bytes) },
    fakeIngest({ config, secrets, now: NOW }),
  );
}

/** The document of `source` with `change` applied. */
const changed =
  (source: WebhookSource | 'eventbridge', change: (document: Document) => void) => (): Document => {
    const document = source === 'eventbridge' ? alarmEvent() : samples[source]();
    change(document);
    return document;
  };

/** How each row's defect is made, per source; undefined where the source cannot carry it. */
const defects: Record<
  string,
  (source: WebhookSource | 'eventbridge') => (() => Delivery | Document) | undefined
> = {
  'body over 1 MiB': (source) => () => ({
    source,
    body: withFirstMember(source, [`"probe":"${'x'.repeat(MAX_BODY_BYTES)}"`])(),
  }),
  'content type not JSON': (source) => () => ({
    source,
    body: { document: samples[source as WebhookSource]() },
    contentType: 'application/xml',
  }),
  'missing or wrong credentials': (source) => () => ({
    source,
    body: { document: samples[source as WebhookSource]() },
    unauthenticated: true,
  }),
  'invalid UTF-8': (source) => () => ({
    source,
    body: withFirstMember(source, ['"probe":"', [0xff], '"'])(),
  }),
  'a member name twice in one object': (source) => () => ({
    source,
    body: withFirstMember(source, ['"probe":1,"probe":2'])(),
  }),
  'NaN, Infinity or a number beyond a double': (source) => () => ({
    source,
    body: withFirstMember(source, ['"probe":NaN'])(),
  }),
  'nesting deeper than 32': (source) => () => ({
    source,
    body: withFirstMember(source, [`"probe":${'['.repeat(33)}${']'.repeat(33)}`])(),
  }),
  'not JSON': (source) => () => ({ source, body: { bytes: Buffer.from(validText(source).slice(0, -1)) } }),
  'a required field missing': (source) => changed(source, (d) => deleteAt(d, places[source].required)),
  'a time before 2000': (source) =>
    changed(source, (d) => setAt(d, places[source].time, places[source].timeAs(Date.UTC(1999, 11, 31)))),
  'a time more than 24 hours ahead': (source) =>
    changed(source, (d) =>
      setAt(d, places[source].time, places[source].timeAs(NOW.getTime() + 25 * 3600_000)),
    ),
  'a control character in an identifier': (source) =>
    changed(source, (d) => setAt(d, places[source].identifier, 'checkout-api-7\u0000')),
  'more than 128 labels or tags on one alert': (source) => {
    const label = labelled[source as WebhookSource];
    return label && changed(source, (d) => label(d, 129));
  },
  'more than 50,000 labels in one delivery': (source) =>
    changed(source, (d) => {
      const alert = (d.alerts as Document[])[0] as Document;
      d.alerts = Array.from({ length: 400 }, (_, i) => ({
        ...alert,
        fingerprint: `fp${i}`,
        labels: manyLabels(126, { workload: 'checkout-api' }),
      }));
    }),
  'a workload that is not configured': (source) =>
    changed(source, (d) => {
      const unknown: Record<string, () => void> = {
        alertmanager: () => setAt(d, 'alerts.0.labels.workload', 'ledger'),
        grafana: () => setAt(d, 'alerts.0.labels.workload', 'ledger'),
        zabbix: () => setAt(d, 'event.tags', [{ tag: 'workload', value: 'ledger' }]),
        datadog: () => setAt(d, 'tags', 'workload:ledger'),
        icinga: () => setAt(d, 'object.tags.workload', 'ledger'),
        nagios: () => setAt(d, 'workload', 'ledger'),
        generic: () => setAt(d, 'signals.0.workload', 'ledger'),
        'cloudwatch-sns': () => setAt(d, 'AlarmName', 'ledger-cpu-high'),
        eventbridge: () => setAt(d, 'detail.alarmName', 'ledger-cpu-high'),
      };
      unknown[source]?.();
    }),
  'a Datadog template variable left unexpanded': (source) =>
    changed(source, (d) => setAt(d, 'title', '$EVENT_TITLE')),
  'a Grafana legacy alerting notification': () => () => fixture('grafana/legacy-alerting.json') as Document,
};

const rows = defectTable();

describe('the defect table of docs/ingest.md', () => {
  it('lists every error code a rejection can carry, with the status the code gives it', () => {
    const listed = new Map(rows.map((row) => [row.error, row.status]));
    for (const [code, status] of Object.entries(rejectionStatus))
      expect([code, listed.get(code)]).toEqual([code, status]);
  });

  it('has a way to make every defect it lists', () => {
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows.filter((r) => r.sources.length > 0))
      expect(Object.keys(defects)).toContain(row.defect);
  });

  it.each(webhookSources)(
    'accepts the unbroken %s sample, so each refusal below is the defect',
    async (source) => {
      const response = await send({ source, body: { document: samples[source]() } });
      expect(response).toMatchObject({ statusCode: 202, body: { accepted: 1 } });
    },
  );

  it('answers 404 unknown_source for a source that is not listed', async () => {
    const row = rows.find((r) => r.sources.length === 0);
    const response = await send({ source: 'pagerduty', body: { document: samples.generic() } });
    expect([response.statusCode, response.body.error]).toEqual([row?.status, row?.error]);
  });
});

const cases = rows.flatMap((row) => row.sources.map((source) => ({ ...row, source })));

describe.each(cases)('$defect from $source', ({ defect, status, error, source }) => {
  it(`answers ${status} ${error}, naming the problem, and queues nothing`, async () => {
    // Prepare
    const make = defects[defect]?.(source);
    if (!make) throw new Error(`the table lists ${defect} for ${source}, which the test cannot make`);
    const made = make();
    const delivery: Delivery =
      'body' in made && 'source' in made
        ? (made as Delivery)
        : { source, body: { document: made as Document } };

    // Act
    const response = await send(delivery);

    // Assess
    expect([response.statusCode, response.body.error]).toEqual([status, error]);
    if (status !== 401) expect(String(response.body.message ?? '')).not.toBe('');
  });
});

describe.each(rows.filter((row) => row.eventBridge))(
  '$defect in a CloudWatch alarm event from EventBridge',
  ({ defect, error }) => {
    it(`is dead-lettered with ${error} in its reason`, () => {
      // Prepare
      const made = defects[defect]?.('eventbridge')?.();
      if (!made) throw new Error(`the table marks ${defect} for EventBridge, which the test cannot make`);
      const body =
        'body' in made && 'source' in made ? (made as Delivery).body : { document: made as Document };
      const text = 'bytes' in body ? body.bytes.toString('utf8') : JSON.stringify(body.document);

      // Act
      const parsed = parseQueueMessage(text, config, NOW);

      // Assess
      expect(parsed.ok).toBe(false);
      expect(!parsed.ok && parsed.reason).toMatch(new RegExp(`\\(${error}\\)$`));
    });
  },
);
