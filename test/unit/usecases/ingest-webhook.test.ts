import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signStandardWebhooks } from '../../../src/core/auth/signatures';
import { MAX_MESSAGE_BYTES } from '../../../src/core/normalise/envelopes';
import { ingestWebhook, MAX_BODY_BYTES, type WebhookRequest } from '../../../src/usecases/ingest-webhook';
import { aConfig, alertmanagerAlert, alertmanagerPayload, at, fixture } from '../factories';
import { fakeIngest, signSns } from './ingest-deps';

const TOKEN = 's3cret-token';
const NOW = at(3600);
const unix = (date: Date) => String(Math.floor(date.getTime() / 1000));

/** A well-formed delivery of the firing sample; override what a test is about. */
function delivery(
  overrides: { source?: string; headers?: Record<string, string | undefined>; body?: string } = {},
) {
  return {
    source: overrides.source ?? 'alertmanager',
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/json',
      ...overrides.headers,
    },
    body: overrides.body ?? JSON.stringify(fixture('alertmanager/webhook-v4-firing.json')),
  } satisfies WebhookRequest;
}

describe('ingestWebhook', () => {
  describe('a valid delivery', () => {
    it('queues one message for the workload and answers 202 with the signal ids', async () => {
      // Prepare
      const deps = fakeIngest();

      // Act
      const response = await ingestWebhook(delivery(), deps);

      // Assess
      expect(deps.queue.batches).toHaveLength(1);
      const [batch = []] = deps.queue.batches;
      expect(batch.map((e) => [e.kind, e.version, e.kind === 'signals' && e.workload])).toEqual([
        ['signals', 1, 'checkout-api'],
      ]);
      expect(response).toEqual({
        statusCode: 202,
        body: { accepted: 1, signalIds: [deps.queue.signals[0]?.id], ignored: [], ignoredCount: 0 },
      });
      expect(deps.log.messages('info')).toEqual(['signals queued']);
    });

    it('answers 202 with the count ignored and why when no alert is a signal, and queues nothing', async () => {
      // Prepare
      const deps = fakeIngest();
      const body = JSON.stringify(
        alertmanagerPayload([alertmanagerAlert({ labels: { workload: undefined } })]),
      );

      // Act
      const response = await ingestWebhook(delivery({ body }), deps);

      // Assess
      expect(response).toEqual({
        statusCode: 202,
        body: {
          accepted: 0,
          signalIds: [],
          ignored: [{ item: 'CheckoutLatencyHigh', reason: "no 'workload' label" }],
          ignoredCount: 1,
        },
      });
      expect(deps.queue.batches).toEqual([]);
    });

    it('reports the alerts Alertmanager truncated in the answer and the log', async () => {
      // Prepare
      const deps = fakeIngest();
      const body = JSON.stringify(alertmanagerPayload([alertmanagerAlert()], { truncatedAlerts: 7 }));

      // Act
      const response = await ingestWebhook(delivery({ body }), deps);

      // Assess
      expect(response.body).toMatchObject({ accepted: 1, truncatedAlerts: 7 });
      expect(deps.log.messages('warn')).toEqual(['sender truncated alerts']);
    });

    it('accepts a JSON content type with parameters, in any case', async () => {
      const response = await ingestWebhook(
        delivery({ headers: { 'content-type': 'Application/JSON; charset=utf-8' } }),
        fakeIngest(),
      );
      expect(response.statusCode).toBe(202);
    });

    it('accepts the previous token while a rotation is in progress', async () => {
      const deps = fakeIngest({ secrets: { alertmanager: ['new-token', TOKEN] } });
      expect((await ingestWebhook(delivery(), deps)).statusCode).toBe(202);
    });

    it('verifies and parses the body bytes as received', async () => {
      const bytes = Buffer.from(JSON.stringify(fixture('alertmanager/webhook-v4-firing.json')), 'utf8');
      const response = await ingestWebhook({ ...delivery(), body: new Uint8Array(bytes) }, fakeIngest());
      expect(response.statusCode).toBe(202);
    });
  });

  describe('an alert storm', () => {
    it('turns one group of 500 alerts for one workload into one queue message', async () => {
      // Prepare
      const deps = fakeIngest();
      const alerts = Array.from({ length: 500 }, (_, i) =>
        alertmanagerAlert({ fingerprint: `fp${String(i).padStart(14, '0')}` }),
      );

      // Act
      const response = await ingestWebhook(
        delivery({ body: JSON.stringify(alertmanagerPayload(alerts)) }),
        deps,
      );

      // Assess
      expect(response.body).toMatchObject({ accepted: 500 });
      expect(deps.queue.batches).toHaveLength(1);
      expect(deps.queue.batches[0]).toHaveLength(1);
      expect(deps.queue.signals).toHaveLength(500);
    });

    it('sends one message per workload, and splits a workload only above the SQS size limit', async () => {
      // Prepare: long summaries make 1,500 alerts weigh more than one message can carry
      const deps = fakeIngest();
      const alerts = Array.from({ length: 1500 }, (_, i) =>
        alertmanagerAlert({
          fingerprint: `fp${String(i).padStart(14, '0')}`,
          labels: { workload: i % 2 === 0 ? 'checkout-api' : 'search-api' },
          annotations: { summary: 's'.repeat(240) },
        }),
      );
      const body = JSON.stringify(alertmanagerPayload(alerts));
      expect(Buffer.byteLength(body)).toBeLessThan(MAX_BODY_BYTES);

      // Act
      await ingestWebhook(delivery({ body }), deps);

      // Assess
      const messages = deps.queue.batches.flat();
      const workloads = messages.map((m) => (m.kind === 'signals' ? m.workload : m.signal.workload));
      expect(new Set(workloads)).toEqual(new Set(['checkout-api', 'search-api']));
      expect(messages.length).toBeGreaterThan(2);
      for (const message of messages) {
        expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      }
      expect(deps.queue.signals).toHaveLength(1500);
    });
  });

  describe('rejections (nothing is queued)', () => {
    it('answers 404 for an unknown source, naming the known ones', async () => {
      const deps = fakeIngest();
      const response = await ingestWebhook(delivery({ source: 'pagerduty' }), deps);
      expect(response).toEqual({
        statusCode: 404,
        body: {
          error: 'unknown_source',
          message:
            "no webhook source 'pagerduty'; known: alertmanager, grafana, zabbix, datadog, icinga, nagios, cloudwatch-sns, generic",
        },
      });
      expect(deps.queue.batches).toEqual([]);
    });

    it('answers 404 for source names that are Object.prototype properties, and queues nothing', async () => {
      const forged = JSON.stringify({ ok: true, signals: [{ id: 'forged', workload: 'nope' }], ignored: [] });
      const outcomes: unknown[] = [];
      for (const source of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
        const deps = fakeIngest();
        const response = await ingestWebhook(delivery({ source, body: forged }), deps).catch(
          (error: Error) => ({
            statusCode: `threw ${error.name}`,
          }),
        );
        outcomes.push([source, response.statusCode, deps.queue.batches.length]);
      }
      expect(outcomes).toEqual([
        ['constructor', 404, 0],
        ['__proto__', 404, 0],
        ['toString', 404, 0],
        ['hasOwnProperty', 404, 0],
      ]);
    });

    it.each([
      ['no authorization header', undefined, 'missing_credentials'],
      ['a wrong token', `Bearer not-${TOKEN}`, 'bad_credentials'],
      [
        'another scheme',
        `Basic ${Buffer.from(`spillway:${TOKEN}`).toString('base64')}`,
        'malformed_credentials',
      ],
      ['a scheme without a token', 'Bearer ', 'malformed_credentials'],
    ])('answers 401 for %s, logging why but not the token', async (_, authorization, reason) => {
      // Prepare
      const deps = fakeIngest();

      // Act
      const response = await ingestWebhook(delivery({ headers: { authorization } }), deps);

      // Assess
      expect(response).toEqual({
        statusCode: 401,
        body: { error: 'unauthorized', message: 'missing or invalid credentials' },
      });
      expect(deps.queue.batches).toEqual([]);
      expect(deps.log.entries).toEqual([
        {
          level: 'warn',
          message: 'webhook rejected: bad or missing credentials',
          fields: { source: 'alertmanager', scheme: 'bearer', reason },
        },
      ]);
    });

    it('answers 401 when the secret store has no entry for the source', async () => {
      const deps = fakeIngest({ secrets: {} });
      expect((await ingestWebhook(delivery(), deps)).statusCode).toBe(401);
      expect(deps.log.entries[0]?.fields).toMatchObject({ reason: 'no_secret_configured' });
    });

    it('never logs the presented token or the secret', async () => {
      const deps = fakeIngest();
      await ingestWebhook(delivery({ headers: { authorization: 'Bearer leaked-secret' } }), deps);
      expect(JSON.stringify(deps.log.entries)).not.toMatch(/leaked-secret|s3cret-token/);
    });

    it.each([
      ['text/plain', "content-type must be application/json, got 'text/plain'"],
      [undefined, "content-type must be application/json, got 'none'"],
      [
        'application/x-www-form-urlencoded',
        "content-type must be application/json, got 'application/x-www-form-urlencoded'",
      ],
    ])('answers 415 for content type %s', async (contentType, message) => {
      const deps = fakeIngest();
      const response = await ingestWebhook(delivery({ headers: { 'content-type': contentType } }), deps);
      expect(response).toEqual({ statusCode: 415, body: { error: 'unsupported_media_type', message } });
      expect(deps.queue.batches).toEqual([]);
    });

    it('answers 413 for a body over 1 MiB, counting bytes rather than characters', async () => {
      const deps = fakeIngest();
      const body = JSON.stringify({ padding: 'é'.repeat(MAX_BODY_BYTES / 2 + 1) });
      expect(body.length).toBeLessThan(MAX_BODY_BYTES);
      const response = await ingestWebhook(delivery({ body }), deps);
      expect(response).toEqual({
        statusCode: 413,
        body: { error: 'payload_too_large', message: 'body exceeds 1048576 bytes' },
      });
      expect(deps.queue.batches).toEqual([]);
    });

    it('answers 400 malformed_json for a body that is not JSON', async () => {
      const deps = fakeIngest();
      const response = await ingestWebhook(delivery({ body: '{"version": "4",' }), deps);
      expect(response.statusCode).toBe(400);
      expect(response.body.error).toBe('malformed_json');
      expect(response.body.message).toMatch(/^body is not valid JSON: /);
      expect(deps.queue.batches).toEqual([]);
    });

    it('answers 400 naming the problem and its byte offset for a duplicate member name', async () => {
      // Prepare: the signature would cover these bytes; JSON.parse would act on the last status
      const deps = fakeIngest();
      const valid = JSON.stringify(fixture('alertmanager/webhook-v4-firing.json'));
      const body = `{"status":"resolved",${valid.slice(1)}`;

      // Act
      const response = await ingestWebhook(delivery({ body }), deps);

      // Assess
      expect(response).toEqual({
        statusCode: 400,
        body: {
          error: 'duplicate_key',
          message: `body is not valid JSON: duplicate member name "status" at byte ${body.indexOf('"status"', 2)}`,
          offset: body.indexOf('"status"', 2),
        },
      });
      expect(deps.queue.batches).toEqual([]);
    });

    it('answers 400 malformed with the offending field for a payload that is not Alertmanager v4', async () => {
      const deps = fakeIngest();
      const body = JSON.stringify(alertmanagerPayload([alertmanagerAlert({ startsAt: 'yesterday' })]));
      const response = await ingestWebhook(delivery({ body }), deps);
      expect(response.statusCode).toBe(400);
      expect(response.body).toMatchObject({ error: 'malformed', fields: ['alerts[0].startsAt'] });
      expect(response.body.message).toMatch(
        /^not an Alertmanager v4 webhook payload: alerts\[0\]\.startsAt: /,
      );
      expect(deps.queue.batches).toEqual([]);
    });

    it('answers 400 naming the field for a time from the year 9999', async () => {
      const body = JSON.stringify(
        alertmanagerPayload([alertmanagerAlert({ startsAt: '9999-01-01T00:00:00Z' })]),
      );
      const response = await ingestWebhook(delivery({ body }), fakeIngest());
      expect(response).toMatchObject({
        statusCode: 400,
        body: { error: 'malformed', fields: ['alerts[0].startsAt'] },
      });
    });

    it('answers 422 unknown_workload when an alert names a workload that is not configured', async () => {
      const deps = fakeIngest();
      const body = JSON.stringify(
        alertmanagerPayload([
          alertmanagerAlert(),
          alertmanagerAlert({ labels: { workload: 'ledger' }, fingerprint: 'b' }),
        ]),
      );
      const response = await ingestWebhook(delivery({ body }), deps);
      expect(response).toEqual({
        statusCode: 422,
        body: {
          error: 'unknown_workload',
          message: 'unknown workload(s): ledger',
          fields: ['alerts[].labels.workload'],
        },
      });
      expect(deps.queue.batches).toEqual([]);
    });
  });

  describe('when a dependency fails', () => {
    it('answers 503 with Retry-After when the secret store cannot be read', async () => {
      const deps = fakeIngest({ secrets: new Error('secretsmanager GetSecretValue failed: throttled') });
      const response = await ingestWebhook(delivery(), deps);
      expect(response).toEqual({
        statusCode: 503,
        headers: { 'retry-after': '5' },
        body: { error: 'unavailable', message: 'credentials cannot be checked right now; retry' },
      });
      expect(deps.queue.batches).toEqual([]);
      expect(deps.log.messages('error')).toEqual(['webhook secret store unavailable']);
    });

    it('answers 503 with Retry-After when the signals cannot be queued, so the sender retries', async () => {
      const deps = fakeIngest();
      deps.queue.fail = true;
      const response = await ingestWebhook(delivery(), deps);
      expect(response).toEqual({
        statusCode: 503,
        headers: { 'retry-after': '5' },
        body: { error: 'unavailable', message: 'signals could not be queued; retry' },
      });
      expect(deps.log.entries).toEqual([
        {
          level: 'error',
          message: 'signals not queued',
          fields: {
            source: 'alertmanager',
            count: 1,
            error: 'sqs SendMessageBatch failed: ServiceUnavailable',
          },
        },
      ]);
    });
  });
});

describe('authentication schemes', () => {
  const grafanaBody = JSON.stringify(fixture('grafana/webhook-firing.json'));
  const genericBody = JSON.stringify(fixture('generic/firing.json'));
  const WHSEC = `whsec_${Buffer.from('a-32-byte-long-standard-webhooks!').toString('base64')}`;
  const OLD_WHSEC = `whsec_${Buffer.from('the-previous-standard-webhook-key').toString('base64')}`;

  const hex = (key: string, text: string) => createHmac('sha256', key).update(text).digest('hex');

  describe('basic', () => {
    const config = aConfig({ signals: { datadog: { auth: { scheme: 'basic' } } } });
    const body = JSON.stringify(fixture('datadog/triggered.json'));
    const basic = (pair: string) => `Basic ${Buffer.from(pair).toString('base64')}`;

    it.each([
      [basic('datadog:pa55'), 202],
      [basic('datadog:wrong'), 401],
      [basic('nocolon'), 401],
      ['Bearer pa55', 401],
      [undefined, 401],
    ])('%s → %d', async (authorization, status) => {
      const deps = fakeIngest({ config, secrets: { datadog: ['datadog:pa55'] } });
      const response = await ingestWebhook(
        delivery({ source: 'datadog', body, headers: { authorization } }),
        deps,
      );
      expect(response.statusCode).toBe(status);
    });
  });

  describe('hmac-grafana', () => {
    const withTimestamp = aConfig({
      signals: {
        grafana: {
          auth: { scheme: 'hmac-grafana', timestampHeader: 'X-Grafana-Alerting-Signature-Timestamp' },
        },
      },
    });
    const bodyOnly = aConfig({ signals: { grafana: { auth: { scheme: 'hmac-grafana' } } } });
    const send = (config: typeof bodyOnly, headers: Record<string, string | undefined>, body = grafanaBody) =>
      ingestWebhook(
        { source: 'grafana', body, headers: { 'content-type': 'application/json', ...headers } },
        fakeIngest({ config, secrets: { grafana: ['new-key', 'grafana-key'] } }),
      );

    it('accepts the hex HMAC of the body under any current secret', async () => {
      const response = await send(bodyOnly, {
        'x-grafana-alerting-signature': hex('grafana-key', grafanaBody),
      });
      expect(response.statusCode).toBe(202);
    });

    it('accepts the HMAC of timestamp:body with a fresh timestamp', async () => {
      const ts = unix(NOW);
      const response = await send(withTimestamp, {
        'x-grafana-alerting-signature': hex('grafana-key', `${ts}:${grafanaBody}`),
        'x-grafana-alerting-signature-timestamp': ts,
      });
      expect(response.statusCode).toBe(202);
    });

    it.each([
      [
        'a signature of other bytes',
        { 'x-grafana-alerting-signature': hex('grafana-key', `${grafanaBody} `) },
      ],
      ['a signature under another key', { 'x-grafana-alerting-signature': hex('other', grafanaBody) }],
      ['no signature', {}],
      ['a signature that is not hex', { 'x-grafana-alerting-signature': 'zz' }],
    ])('refuses %s', async (_, headers) => {
      expect((await send(bodyOnly, headers)).statusCode).toBe(401);
    });

    it('refuses a timestamp outside the 300 s replay window, even correctly signed', async () => {
      const ts = String(Number(unix(NOW)) - 301);
      const response = await send(withTimestamp, {
        'x-grafana-alerting-signature': hex('grafana-key', `${ts}:${grafanaBody}`),
        'x-grafana-alerting-signature-timestamp': ts,
      });
      expect(response.statusCode).toBe(401);
    });
  });

  describe('standard-webhooks', () => {
    const headersFor = (secret: string, body: string, timestamp = unix(NOW), id = 'msg_2b0d1f') => ({
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': signStandardWebhooks(secret, id, timestamp, body),
    });
    const send = (headers: Record<string, string>, body = genericBody) => {
      const deps = fakeIngest({ secrets: { generic: [WHSEC, OLD_WHSEC] } });
      return ingestWebhook({ source: 'generic', body, headers }, deps).then((r) => ({ r, deps }));
    };

    it('accepts a v1 signature of id.timestamp.body under either secret during a rotation', async () => {
      expect((await send(headersFor(WHSEC, genericBody))).r.statusCode).toBe(202);
      expect((await send(headersFor(OLD_WHSEC, genericBody))).r.statusCode).toBe(202);
    });

    it('accepts a header listing several signatures when one matches', async () => {
      const headers = headersFor(WHSEC, genericBody);
      headers['webhook-signature'] =
        `v1,${Buffer.alloc(32).toString('base64')} ${headers['webhook-signature']}`;
      expect((await send(headers)).r.statusCode).toBe(202);
    });

    it.each([
      [
        'a stale timestamp',
        () => headersFor(WHSEC, genericBody, String(Number(unix(NOW)) - 600)),
        'stale_timestamp',
      ],
      [
        'a timestamp from the future',
        () => headersFor(WHSEC, genericBody, String(Number(unix(NOW)) + 600)),
        'stale_timestamp',
      ],
      [
        'another key',
        () => headersFor(`whsec_${Buffer.from('x').toString('base64')}`, genericBody),
        'bad_credentials',
      ],
      ['another body', () => headersFor(WHSEC, `${genericBody}\n`), 'bad_credentials'],
      ['no signature', () => ({ 'content-type': 'application/json' }), 'missing_credentials'],
    ])('refuses %s with 401, logging the reason', async (_, headers, reason) => {
      const { r, deps } = await send(headers() as Record<string, string>);
      expect(r.statusCode).toBe(401);
      expect(deps.log.entries[0]?.fields).toEqual({ source: 'generic', scheme: 'standard-webhooks', reason });
      expect(JSON.stringify(deps.log.entries)).not.toContain(WHSEC);
    });
  });

  describe('sns (cloudwatch-sns)', () => {
    const TOPIC = 'arn:aws:sns:us-east-1:123456789012:spillway-alarms';
    const config = aConfig({
      signals: {
        'cloudwatch-sns': { auth: { scheme: 'sns', topicArns: [TOPIC] } },
        cloudwatch: { alarms: [{ alarmName: 'checkout-api-', match: 'prefix', workload: 'checkout-api' }] },
      },
    });
    const envelope = fixture('cloudwatch-sns/notification-envelope.json') as Record<string, string>;
    const message = JSON.stringify(fixture('cloudwatch-sns/metric-alarm-message.json'));
    const notification = (overrides: Record<string, string> = {}) =>
      signSns({ ...envelope, Message: message, ...overrides } as never);
    const send = (body: unknown, deps = fakeIngest({ config })) =>
      ingestWebhook(
        {
          source: 'cloudwatch-sns',
          headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
          body: JSON.stringify(body),
        },
        deps,
      ).then((r) => ({ r, deps }));

    it.each(['1', '2'])('accepts a notification signed with SignatureVersion %s', async (version) => {
      const { r, deps } = await send(notification({ SignatureVersion: version }));
      expect(r).toMatchObject({ statusCode: 202, body: { accepted: 1 } });
      expect(deps.queue.signals[0]).toMatchObject({
        source: 'cloudwatch',
        workload: 'checkout-api',
        state: 'firing',
      });
    });

    it('refuses a tampered message with 401', async () => {
      const signed = notification();
      const { r } = await send({ ...signed, Message: signed.Message.replace('ALARM', 'OK') });
      expect(r.statusCode).toBe(401);
    });

    it.each([
      'http://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem',
      'https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-abc.pem',
      'https://evil.example/sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem',
      'https://sns.us-east-1.amazonaws.com/other.pem',
    ])('never fetches a certificate from %s', async (url) => {
      const { r, deps } = await send(notification({ SigningCertURL: url }));
      expect(r.statusCode).toBe(401);
      expect(deps.certificateUrls).toEqual([]);
    });

    it('refuses a correctly signed message from a topic the config does not allow', async () => {
      const { r, deps } = await send(
        notification({ TopicArn: 'arn:aws:sns:us-east-1:999999999999:attacker' }),
      );
      expect(r.statusCode).toBe(401);
      expect(deps.log.entries[0]?.fields).toMatchObject({ reason: 'topic_not_allowed' });
    });

    it('answers 503 when the certificate cannot be fetched, so SNS retries', async () => {
      const { r } = await send(notification(), fakeIngest({ config, certificate: new Error('timeout') }));
      expect(r).toMatchObject({ statusCode: 503, headers: { 'retry-after': '5' } });
    });

    it('confirms a subscription by visiting its SubscribeURL, and queues nothing', async () => {
      const confirmation = signSns(fixture('cloudwatch-sns/subscription-confirmation.json') as never);
      const { r, deps } = await send(confirmation);
      expect(r).toEqual({ statusCode: 200, body: { confirmed: true, topicArn: TOPIC } });
      expect(deps.confirmed).toEqual([confirmation.SubscribeURL]);
      expect(deps.queue.batches).toEqual([]);
    });

    it('answers 400 naming the field for an SNS body without a signature', async () => {
      const { Signature: _, ...unsigned } = notification();
      const { r } = await send(unsigned);
      expect(r).toMatchObject({ statusCode: 400, body: { fields: ['Signature'] } });
    });
  });
});

describe('ingestWebhook metrics', () => {
  it('counts the signals it accepted, and each refusal by source and reason', async () => {
    // Prepare
    const recorded: { name: string; value: number; dimensions: Record<string, string> }[] = [];
    const deps = {
      ...fakeIngest(),
      metrics: {
        record: (name: string, value: number, dimensions: object) =>
          recorded.push({ name, value, dimensions: { ...dimensions } as Record<string, string> }),
      },
    };

    // Act
    await ingestWebhook(delivery(), deps);
    await ingestWebhook(delivery({ headers: { authorization: 'Bearer wrong' } }), deps);
    await ingestWebhook(delivery({ source: 'no-such-monitor' }), deps);

    // Assess
    expect(recorded).toEqual([
      { name: 'SignalsAccepted', value: 1, dimensions: { source: 'alertmanager' } },
      { name: 'SignalsRejected', value: 1, dimensions: { source: 'alertmanager', reason: 'unauthorized' } },
      { name: 'SignalsRejected', value: 1, dimensions: { source: 'unknown', reason: 'unknown_source' } },
    ]);
  });
});
