import { request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRoutes, startHttpServer } from '../../../src/local/http-server';

/** The port a server started on port 0 listens on. */
function portOf(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/**
 * Starts the gateway with `routes` (a status of no workloads, healthy and admitting unless told)
 * before a describe's tests, and stops it after them: `url()` is where it listens.
 */
function gatewayFor(routes: Pick<LocalRoutes, 'ingest'> & Partial<LocalRoutes>): {
  url: () => string;
  port: () => number;
} {
  let server: Server;
  beforeAll(async () => {
    server = await startHttpServer(
      { status: async () => ({ workloads: [] }), health: () => 'ok', admit: () => () => {}, ...routes },
      0,
    );
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
  });
  return { port: () => portOf(server), url: () => `http://127.0.0.1:${portOf(server)}` };
}

/** Sends a request target exactly as written: fetch would normalise or refuse the bad ones. */
function rawPost(port: number, target: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const sent = request({ host: '127.0.0.1', port, method: 'POST', path: target }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      response.once('end', () => done({ status: response.statusCode ?? 0, body }));
    });
    sent.once('error', fail);
    sent.end();
  });
}

describe('the local gateway given a request path it cannot decode', () => {
  const sources: string[] = [];
  const gateway = gatewayFor({
    ingest: async (event) => {
      sources.push(event.pathParameters?.source ?? '');
      return { statusCode: 202, body: '{}' };
    },
  });

  it('answers 400 naming the bad percent-encoding, and calls no function', async () => {
    const response = await rawPost(gateway.port(), '/webhooks/%E0%A4%A');

    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      error: 'malformed_path',
      message: "path segment '%E0%A4%A' is not valid percent-encoded UTF-8",
    });
    expect(sources).toEqual([]);
  });

  it('answers 400 to a request target that is no URL, and keeps serving', async () => {
    const response = await rawPost(gateway.port(), 'http://[spillway/webhooks/alertmanager');

    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({
      error: 'malformed_path',
      message: expect.stringContaining('is not a valid URL'),
    });
    const next = await rawPost(gateway.port(), '/webhooks/%61lertmanager');
    expect(next.status).toBe(202);
    expect(sources).toEqual(['alertmanager']);
  });
});

describe("the local runtime's own pages", () => {
  const sources: string[] = [];
  const gateway = gatewayFor({
    ingest: async (event) => {
      sources.push(event.pathParameters?.source ?? '');
      return { statusCode: 202, body: '{}' };
    },
    status: async () => ({ environment: 'local', workloads: [], decisions: [] }),
    metrics: async () => ({
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      body: 'spillway_decisions_total 1\n',
    }),
  });

  it('answers GET on a webhook path with 405 and Allow: POST, and calls no function', async () => {
    const response = await fetch(`${gateway.url()}/webhooks/alertmanager`);

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.json()).toEqual({
      error: 'method_not_allowed',
      message: '/webhooks/alertmanager accepts POST only',
    });
    expect(sources).toEqual([]);
  });

  it('serves the status page at / as HTML that polls /status', async () => {
    const response = await fetch(`${gateway.url()}/`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await response.text();
    expect(page).toContain('<title>Spillway</title>');
    expect(page).toContain("fetch('status'");
  });

  it('serves /status as the status use case returns it', async () => {
    const response = await fetch(`${gateway.url()}/status`);

    expect(await response.json()).toEqual({ environment: 'local', workloads: [], decisions: [] });
  });

  it("serves /metrics with the exposition's own content type", async () => {
    const response = await fetch(`${gateway.url()}/metrics`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await response.text()).toBe('spillway_decisions_total 1\n');
  });
});

describe('the local gateway given a body over the webhook limit', () => {
  const calls: number[] = [];
  const gateway = gatewayFor({
    ingest: async (event) => {
      calls.push(event.body?.length ?? 0);
      return { statusCode: 202, body: '{}' };
    },
  });

  it('answers 413 while the body streams in, before the ingest function sees any of it', async () => {
    // Prepare: one byte over 1 MiB
    const body = 'x'.repeat(1024 * 1024 + 1);

    // Act
    const response = await fetch(`${gateway.url()}/webhooks/alertmanager`, { method: 'POST', body });

    // Assess
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: 'payload_too_large',
      message: 'body exceeds 1048576 bytes',
    });
    expect(calls).toEqual([]);
    const fits = await fetch(`${gateway.url()}/webhooks/alertmanager`, {
      method: 'POST',
      body: body.slice(1),
    });
    expect(fits.status).toBe(202);
  });
});

describe('the local gateway in front of the heartbeat route', () => {
  const events: { routeKey: string; pathParameters: Record<string, string | undefined> | undefined }[] = [];
  const gateway = gatewayFor({
    ingest: async (event) => {
      events.push({ routeKey: event.routeKey, pathParameters: event.pathParameters });
      return { statusCode: 202, body: '{}' };
    },
  });

  it('passes POST /heartbeats/{site} to the ingest function as API Gateway would', async () => {
    expect((await fetch(`${gateway.url()}/heartbeats/onprem-dc1`, { method: 'POST' })).status).toBe(202);
    expect(events).toEqual([{ routeKey: 'POST /heartbeats/{site}', pathParameters: { site: 'onprem-dc1' } }]);
    const get = await fetch(`${gateway.url()}/heartbeats/onprem-dc1`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(events).toHaveLength(1);
  });
});
