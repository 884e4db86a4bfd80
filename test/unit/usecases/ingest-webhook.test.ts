import { describe, expect, it } from 'vitest';
import {
  bearerMatches,
  ingestWebhook,
  MAX_BODY_BYTES,
  type WebhookRequest,
} from '../../../src/usecases/ingest-webhook';
import { alertmanagerAlert, alertmanagerPayload, fixture } from '../factories';
import { fakeIngestDeps } from '../fakes';

const TOKEN = 's3cret-token';

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
    it('queues one envelope per signal and answers 202 with their ids', async () => {
      // Prepare
      const deps = fakeIngestDeps();

      // Act
      const response = await ingestWebhook(delivery(), deps);

      // Assess
      expect(deps.queue.batches).toHaveLength(1);
      const [batch = []] = deps.queue.batches;
      expect(batch.map((e) => [e.kind, e.version, e.signal.workload, e.signal.state])).toEqual([
        ['signal', 1, 'checkout-api', 'firing'],
      ]);
      expect(response).toEqual({
        statusCode: 202,
        body: { accepted: 1, signalIds: [batch[0]?.signal.id], ignored: [] },
      });
      expect(deps.log.messages('info')).toEqual(['signals queued']);
    });

    it('answers 202 and reports what it ignored when no alert is a signal', async () => {
      // Prepare
      const deps = fakeIngestDeps();
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
        },
      });
    });

    it('accepts a JSON content type with parameters, in any case', async () => {
      // Prepare
      const deps = fakeIngestDeps();

      // Act
      const response = await ingestWebhook(
        delivery({ headers: { 'content-type': 'Application/JSON; charset=utf-8' } }),
        deps,
      );

      // Assess
      expect(response.statusCode).toBe(202);
    });

    it('accepts the previous token while a rotation is in progress', async () => {
      // Prepare
      const deps = fakeIngestDeps({ tokens: ['new-token', TOKEN] });

      // Act
      const response = await ingestWebhook(delivery(), deps);

      // Assess
      expect(response.statusCode).toBe(202);
    });
  });

  describe('rejections (nothing is queued)', () => {
    it('answers 404 for an unknown source, naming the known ones', async () => {
      // Prepare
      const deps = fakeIngestDeps();

      // Act
      const response = await ingestWebhook(delivery({ source: 'nagios' }), deps);

      // Assess
      expect(response).toEqual({
        statusCode: 404,
        body: { error: 'unknown_source', message: "no webhook source 'nagios'; known: alertmanager" },
      });
      expect(deps.queue.batches).toEqual([]);
    });

    // BUG (reported): the normaliser table is a plain object looked up with the path parameter,
    // so `constructor` finds Object() (which returns the body itself: an authenticated caller can
    // queue arbitrary objects as signals, 202), `__proto__` and `hasOwnProperty` throw TypeError
    // (a 500 from the handler), and `toString` answers 400 with an empty body.
    it('answers 404 for source names that are Object.prototype properties, and queues nothing', async () => {
      // Prepare
      const forged = JSON.stringify({ ok: true, signals: [{ id: 'forged', workload: 'nope' }], ignored: [] });
      const outcomes: unknown[] = [];

      // Act
      for (const source of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
        const deps = fakeIngestDeps();
        const response = await ingestWebhook(delivery({ source, body: forged }), deps).catch(
          (error: Error) => ({
            statusCode: `threw ${error.name}`,
          }),
        );
        outcomes.push([source, response.statusCode, deps.queue.batches.length]);
      }

      // Assess
      expect(outcomes).toEqual([
        ['constructor', 404, 0],
        ['__proto__', 404, 0],
        ['toString', 404, 0],
        ['hasOwnProperty', 404, 0],
      ]);
    });

    it.each([
      ['no authorization header', undefined],
      ['a wrong token', `Bearer not-${TOKEN}`],
      ['another scheme', `Basic ${Buffer.from(`spillway:${TOKEN}`).toString('base64')}`],
      ['a scheme without a token', 'Bearer '],
    ])('answers 401 for %s', async (_, authorization) => {
      // Prepare
      const deps = fakeIngestDeps();

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
          fields: { source: 'alertmanager', hasAuthorization: authorization !== undefined },
        },
      ]);
    });

    it('never logs the presented token', async () => {
      // Prepare
      const deps = fakeIngestDeps();

      // Act
      await ingestWebhook(delivery({ headers: { authorization: 'Bearer leaked-secret' } }), deps);

      // Assess
      expect(JSON.stringify(deps.log.entries)).not.toContain('leaked-secret');
    });

    it.each([
      ['text/plain', "content-type must be application/json, got 'text/plain'"],
      [undefined, "content-type must be application/json, got 'none'"],
      [
        'application/x-www-form-urlencoded',
        "content-type must be application/json, got 'application/x-www-form-urlencoded'",
      ],
    ])('answers 415 for content type %s', async (contentType, message) => {
      // Prepare
      const deps = fakeIngestDeps();

      // Act
      const response = await ingestWebhook(delivery({ headers: { 'content-type': contentType } }), deps);

      // Assess
      expect(response).toEqual({ statusCode: 415, body: { error: 'unsupported_media_type', message } });
      expect(deps.queue.batches).toEqual([]);
    });

    it('answers 413 for a body over 1 MiB, counting bytes rather than characters', async () => {
      // Prepare: fewer characters than the limit, more bytes (é is two bytes in UTF-8)
      const deps = fakeIngestDeps();
      const body = JSON.stringify({ padding: 'é'.repeat(MAX_BODY_BYTES / 2 + 1) });
      expect(body.length).toBeLessThan(MAX_BODY_BYTES);

      // Act
      const response = await ingestWebhook(delivery({ body }), deps);

      // Assess
      expect(response).toEqual({
        statusCode: 413,
        body: { error: 'payload_too_large', message: 'body exceeds 1048576 bytes' },
      });
      expect(deps.queue.batches).toEqual([]);
    });

    it('answers 400 malformed_json for a body that is not JSON', async () => {
      // Prepare
      const deps = fakeIngestDeps();

      // Act
      const response = await ingestWebhook(delivery({ body: '{"version": "4",' }), deps);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(response.body.error).toBe('malformed_json');
      expect(response.body.message).toMatch(/^body is not valid JSON: /);
      expect(deps.queue.batches).toEqual([]);
    });

    it('answers 400 malformed with the offending field for a payload that is not Alertmanager v4', async () => {
      // Prepare
      const deps = fakeIngestDeps();
      const body = JSON.stringify(alertmanagerPayload([alertmanagerAlert({ startsAt: 'yesterday' })]));

      // Act
      const response = await ingestWebhook(delivery({ body }), deps);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(response.body).toMatchObject({ error: 'malformed', fields: ['alerts[0].startsAt'] });
      expect(response.body.message).toMatch(
        /^not an Alertmanager v4 webhook payload: alerts\[0\]\.startsAt: /,
      );
      expect(deps.queue.batches).toEqual([]);
    });

    it('answers 422 unknown_workload when an alert names a workload that is not configured', async () => {
      // Prepare
      const deps = fakeIngestDeps();
      const body = JSON.stringify(
        alertmanagerPayload([
          alertmanagerAlert(),
          alertmanagerAlert({ labels: { workload: 'ledger' }, fingerprint: 'b' }),
        ]),
      );

      // Act
      const response = await ingestWebhook(delivery({ body }), deps);

      // Assess
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
    it('answers 503 with Retry-After when the token store cannot be read', async () => {
      // Prepare
      const deps = fakeIngestDeps({ tokens: new Error('secretsmanager GetSecretValue failed: throttled') });

      // Act
      const response = await ingestWebhook(delivery(), deps);

      // Assess
      expect(response).toEqual({
        statusCode: 503,
        headers: { 'retry-after': '5' },
        body: { error: 'unavailable', message: 'credentials cannot be checked right now; retry' },
      });
      expect(deps.queue.batches).toEqual([]);
      expect(deps.log.messages('error')).toEqual(['webhook token store unavailable']);
    });

    it('answers 503 with Retry-After when the signals cannot be queued, so the sender retries', async () => {
      // Prepare
      const deps = fakeIngestDeps();
      deps.queue.fail = true;

      // Act
      const response = await ingestWebhook(delivery(), deps);

      // Assess
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

describe('bearerMatches', () => {
  it.each([
    [`Bearer ${TOKEN}`, true],
    [`bearer ${TOKEN}`, true],
    [`Bearer   ${TOKEN}  `, true],
    [`Bearer ${TOKEN}x`, false],
    [`Bearer ${TOKEN} extra`, false],
    [TOKEN, false],
    ['', false],
    [undefined, false],
  ])('%j against the accepted token: %s', (authorization, expected) => {
    expect(bearerMatches(authorization, [TOKEN])).toBe(expected);
  });

  it('matches any of several accepted tokens', () => {
    expect(bearerMatches('Bearer old', ['new', 'old'])).toBe(true);
  });

  it('accepts nothing when no token is configured, and never an empty token', () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, [])).toBe(false);
    expect(bearerMatches('Bearer ', [''])).toBe(false);
    expect(bearerMatches(`Bearer ${TOKEN}`, [''])).toBe(false);
  });
});
