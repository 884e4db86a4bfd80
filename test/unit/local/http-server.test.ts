import { request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../../src/local/http-server';

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
  let server: Server;
  let port: number;
  const sources: string[] = [];
  beforeAll(async () => {
    server = await startHttpServer(
      {
        ingest: async (event) => {
          sources.push(event.pathParameters?.source ?? '');
          return { statusCode: 202, body: '{}' };
        },
        status: async () => [],
        health: () => 'ok',
        admit: () => () => {},
      },
      0,
    );
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
  });

  it('answers 400 naming the bad percent-encoding, and calls no function', async () => {
    const response = await rawPost(port, '/webhooks/%E0%A4%A');

    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      error: 'malformed_path',
      message: "path segment '%E0%A4%A' is not valid percent-encoded UTF-8",
    });
    expect(sources).toEqual([]);
  });

  it('answers 400 to a request target that is no URL, and keeps serving', async () => {
    const response = await rawPost(port, 'http://[spillway/webhooks/alertmanager');

    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({
      error: 'malformed_path',
      message: expect.stringContaining('is not a valid URL'),
    });
    const next = await rawPost(port, '/webhooks/%61lertmanager');
    expect(next.status).toBe(202);
    expect(sources).toEqual(['alertmanager']);
  });
});
