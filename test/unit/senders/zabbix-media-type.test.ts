import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ingestWebhook, type WebhookResponse } from '../../../src/usecases/ingest-webhook';
import { aConfig, at } from '../factories';
import { fakeIngest } from '../usecases/ingest-deps';

const FILE = resolve(import.meta.dirname, '../../../senders/zabbix/media_spillway.yaml');
const TOKEN = 'zabbix-token';
const URL = 'https://spillway.example/webhooks/zabbix';
const NOW = at(3600);

interface MediaType {
  name: string;
  type: string;
  parameters: { name: string; value: string }[];
  script: string;
}

const exported = parse(readFileSync(FILE, 'utf8')) as {
  zabbix_export: { version: string; media_types: MediaType[] };
};
const mediaType = exported.zabbix_export.media_types[0] as MediaType;

/** What one Zabbix server run of the script sent, and what it returned or threw. */
interface Run {
  readonly request?: { url: string; headers: Record<string, string>; body: string };
  readonly returned?: unknown;
  readonly thrown?: unknown;
}

/**
 * Runs the script as Zabbix's webhook engine does: its parameters, macros expanded, as the JSON text
 * `value`, with `HttpRequest` standing in for Zabbix's, answering with Spillway's ingest.
 */
function runScript(macros: Record<string, string>, answer?: WebhookResponse): Run {
  const params = Object.fromEntries(
    mediaType.parameters.map((p) => [
      p.name,
      p.value.replace(/\{[A-Z.]+\}/g, (macro) => macros[macro] ?? macro),
    ]),
  );
  params.url = URL;
  params.token = TOKEN;
  let request: Run['request'];
  let status = 0;
  let responseText = '';
  class HttpRequest {
    private readonly headers: Record<string, string> = {};
    addHeader(line: string) {
      const [name = '', ...rest] = line.split(':');
      this.headers[name.trim().toLowerCase()] = rest.join(':').trim();
    }
    post(url: string, body: string) {
      request = { url, headers: this.headers, body };
      status = answer?.statusCode ?? 0;
      responseText = answer ? JSON.stringify(answer.body) : '';
      return responseText;
    }
    getStatus() {
      return status;
    }
  }
  try {
    const returned = runInNewContext(`(function (value) {\n${mediaType.script}\n})(value)`, {
      value: JSON.stringify(params),
      HttpRequest,
      Zabbix: { log: () => undefined },
    });
    return { request, returned };
  } catch (thrown) {
    return { request, thrown };
  }
}

/** The script's request, delivered to ingest. */
async function deliver(run: Run) {
  const deps = fakeIngest({ config: aConfig(), secrets: { zabbix: [TOKEN] }, now: NOW });
  const request = run.request;
  if (!request) throw new Error(`the script sent nothing: ${String(run.thrown)}`);
  const response = await ingestWebhook(
    { source: 'zabbix', headers: request.headers, body: request.body },
    deps,
  );
  return { response, signals: deps.queue.signals };
}

/** Macro values as a Zabbix 6.0 server expands them for a problem and for its recovery. */
const problem: Record<string, string> = {
  '{EVENT.ID}': '4211',
  '{EVENT.VALUE}': '1',
  '{EVENT.TIMESTAMP}': String(Math.floor(at(-300).getTime() / 1000)),
  '{EVENT.SEVERITY}': 'High',
  '{EVENT.TAGSJSON}': '[{"tag":"scope","value":"performance"},{"tag":"workload","value":"checkout-api"}]',
  '{HOST.NAME}': 'checkout-api-7',
  '{TRIGGER.HOSTGROUP.NAME}': 'Checkout, Linux servers',
  '{TRIGGER.ID}': '23977',
  '{TRIGGER.NAME}': 'High CPU utilization (over 90% for 5m)',
  '{EVENT.OPDATA}': 'Current utilization: 97.2 %',
};
const recovery: Record<string, string> = {
  ...problem,
  '{EVENT.VALUE}': '0',
  '{EVENT.RECOVERY.ID}': '4267',
  '{EVENT.RECOVERY.VALUE}': '0',
  '{EVENT.RECOVERY.TIMESTAMP}': String(Math.floor(at(60).getTime() / 1000)),
};

describe('the Zabbix media type (senders/zabbix/media_spillway.yaml)', () => {
  it('is a webhook media type Zabbix 6.0 and later import', () => {
    expect(exported.zabbix_export.version).toBe('6.0');
    expect([mediaType.name, mediaType.type]).toEqual(['Spillway', 'WEBHOOK']);
  });

  it('is ECMAScript 5, which is all Zabbix runs', () => {
    expect(mediaType.script).not.toMatch(/=>|\blet\b|\bconst\b|`|\bclass\b/);
  });

  it('sends a problem that ingest accepts as a firing signal, with the bearer token', async () => {
    // Act
    const run = runScript(problem, { statusCode: 202, body: { accepted: 1 } });
    const { response, signals } = await deliver(run);

    // Assess
    expect(run.returned).toBe('OK');
    expect(run.request).toMatchObject({ url: URL, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.statusCode).toBe(202);
    expect(signals).toMatchObject([
      { source: 'zabbix', workload: 'checkout-api', state: 'firing', alertKey: 'zabbix:4211' },
    ]);
  });

  it('sends its recovery, which resolves the same alert', async () => {
    const { response, signals } = await deliver(runScript(recovery, { statusCode: 202, body: {} }));
    expect(response.statusCode).toBe(202);
    expect(signals).toMatchObject([
      { state: 'resolved', alertKey: 'zabbix:4211', observedAt: at(60).toISOString() },
    ]);
  });

  it('finds the workload by host group when the event has no workload tag', async () => {
    const run = runScript({ ...problem, '{EVENT.TAGSJSON}': '[]' }, { statusCode: 202, body: {} });
    const config = aConfig({
      signals: { zabbix: { hostGroups: [{ group: 'Checkout', workload: 'search-api' }] } },
    });
    const deps = fakeIngest({ config, secrets: { zabbix: [TOKEN] }, now: NOW });
    const request = run.request as NonNullable<Run['request']>;
    await ingestWebhook({ source: 'zabbix', headers: request.headers, body: request.body }, deps);
    expect(deps.queue.signals).toMatchObject([{ workload: 'search-api' }]);
  });

  it('fails the Zabbix alert, so its next attempt or the action log has it, when Spillway refuses or fails', async () => {
    const refused = runScript(problem, { statusCode: 422, body: { error: 'unknown_workload' } });
    const failed = runScript(problem, { statusCode: 503, body: { error: 'unavailable' } });
    expect(String(refused.thrown)).toBe('Spillway answered 422: {"error":"unknown_workload"}');
    expect(String(failed.thrown)).toMatch(/^Spillway answered 503: /);
  });

  it('refuses to run until its url and token are set', async () => {
    const params = Object.fromEntries(mediaType.parameters.map((p) => [p.name, p.value]));
    expect(() =>
      runInNewContext(`(function (value) {\n${mediaType.script}\n})(value)`, {
        value: JSON.stringify({ ...params, url: '', token: '' }),
        HttpRequest: class {},
      }),
    ).toThrow('Spillway media type: set its url and token parameters');
  });
});
