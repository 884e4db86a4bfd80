import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Signal } from '../../../src/core/signal';
import { ingestWebhook } from '../../../src/usecases/ingest-webhook';
import { aConfig } from '../factories';
import { fakeIngest } from '../usecases/ingest-deps';

/**
 * The Icinga 2 and Nagios command definitions in senders/, run as each monitor runs them (Icinga
 * passes arguments without a shell, Nagios hands command_line to /bin/sh) with the real
 * scripts/spillway-send.py, against Spillway's ingest behind a local HTTP endpoint.
 */
const ROOT = resolve(import.meta.dirname, '../../..');
const SCRIPT = join(ROOT, 'scripts/spillway-send.py');
const WHSEC = `whsec_${Buffer.from('notification-commands-test-key!!').toString('base64')}`;
const run = promisify(execFile);

const config = aConfig({
  signals: {
    icinga: { hosts: [{ host: 'checkout-api-', match: 'prefix', workload: 'checkout-api' }] },
    nagios: { hosts: [{ host: 'search-api-', match: 'prefix', workload: 'search-api' }] },
  },
});

let server: Server;
let base = '';
let secretFile = '';
const received: { source: string; status: number; signals: readonly Signal[] }[] = [];

beforeAll(async () => {
  secretFile = join(mkdtempSync(join(tmpdir(), 'spillway-commands-')), 'spillway.secret');
  writeFileSync(secretFile, `${WHSEC}\n`, { mode: 0o600 });
  server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const deps = fakeIngest({ config, secrets: { icinga: [WHSEC], nagios: [WHSEC] }, now: new Date() });
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(',') : value,
      ]),
    );
    const source = (request.url ?? '').split('/').at(-1) ?? '';
    const answer = await ingestWebhook({ source, headers, body: Buffer.concat(chunks) }, deps);
    received.push({ source, status: answer.statusCode, signals: deps.queue.signals });
    response.writeHead(answer.statusCode, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

const since = () => String(Math.floor(Date.now() / 1000) - 120);

/** One NotificationCommand of the Icinga 2 file as the argv Icinga would run, macros resolved. */
function icingaArgv(name: string, macros: Record<string, string>): string[] {
  const text = readFileSync(join(ROOT, 'senders/icinga2/spillway-commands.conf'), 'utf8');
  const block = text.split(`object NotificationCommand "${name}" {`)[1]?.split('\n}')[0] ?? '';
  const command = [...(/command = \[([^\]]*)\]/.exec(block)?.[1] ?? '').matchAll(/"([^"]*)"|(\w+)/g)].map(
    ([, quoted, constant]) => (constant === 'SpillwayUrl' ? `${base}/webhooks/icinga` : (quoted ?? '')),
  );
  const args = [...block.matchAll(/value = "([^"]*)", skip_key = true, order = (\d+)/g)]
    .sort((a, b) => Number(a[2]) - Number(b[2]))
    .map(([, value = '']) => value.replace(/\$([a-z_.]+)\$/g, (_, macro: string) => macros[macro] ?? ''));
  return [...command, ...args].map((word) =>
    word === '/usr/local/bin/spillway-send.py'
      ? SCRIPT
      : word === '/etc/icinga2/spillway.secret'
        ? secretFile
        : word,
  );
}

/** One Nagios command_line with its macros substituted, as Nagios hands it to the shell. */
function nagiosCommandLine(name: string, macros: Record<string, string>): string {
  const text = readFileSync(join(ROOT, 'senders/nagios/spillway-commands.cfg'), 'utf8');
  const block = text.split(`command_name ${name}\n`)[1] ?? '';
  const line = /command_line (.*)/.exec(block)?.[1] ?? '';
  return line
    .replace(/\$([A-Z]+)\$/g, (_, macro: string) => macros[macro] ?? '')
    .replace('/usr/local/bin/spillway-send.py', `python3 ${SCRIPT}`)
    .replace(/https:\/\/\S+\/webhooks\/nagios/, `${base}/webhooks/nagios`)
    .replace('/etc/nagios/spillway.secret', secretFile);
}

describe('the Icinga 2 notification commands (senders/icinga2/spillway-commands.conf)', () => {
  it('spillway-service: a CRITICAL service fires its workload, output with blanks and quotes intact', async () => {
    // Prepare
    const argv = icingaArgv('spillway-service', {
      'host.name': 'checkout-api-7',
      'service.name': 'http-latency',
      'service.state': 'CRITICAL',
      'notification.type': 'PROBLEM',
      'service.last_state_change': since(),
      'service.output': 'HTTP CRITICAL: "p99" 1.2 s > 0.8 s',
    });

    // Act
    const { stdout } = await run('python3', argv);

    // Assess
    expect(stdout).toMatch(/^spillway-send: 202 /);
    expect(received.at(-1)).toMatchObject({
      source: 'icinga',
      signals: [
        {
          alertKey: 'icinga:checkout-api-7/http-latency',
          workload: 'checkout-api',
          state: 'firing',
          summary: 'checkout-api-7!http-latency: HTTP CRITICAL: "p99" 1.2 s > 0.8 s',
        },
      ],
    });
  });

  it('spillway-host: a host back UP resolves it', async () => {
    const argv = icingaArgv('spillway-host', {
      'host.name': 'checkout-api-7',
      'host.state': 'UP',
      'notification.type': 'RECOVERY',
      'host.last_state_change': since(),
      'host.output': 'PING OK',
    });
    const { stdout } = await run('python3', argv);
    expect(stdout).toMatch(/^spillway-send: 202 /);
    expect(received.at(-1)?.signals).toMatchObject([
      { alertKey: 'icinga:checkout-api-7', state: 'resolved' },
    ]);
  });
});

describe('the Nagios notification commands (senders/nagios/spillway-commands.cfg)', () => {
  it('notify-host-by-spillway: a DOWN host fires its workload', async () => {
    const line = nagiosCommandLine('notify-host-by-spillway', {
      HOSTNAME: 'search-api-2',
      HOSTSTATE: 'DOWN',
      NOTIFICATIONTYPE: 'PROBLEM',
      LASTHOSTSTATECHANGE: since(),
      HOSTOUTPUT: 'CRITICAL - Host Unreachable (10.0.4.12)',
    });
    const { stdout } = await run('/bin/sh', ['-c', line]);
    expect(stdout).toMatch(/^spillway-send: 202 /);
    expect(received.at(-1)).toMatchObject({
      source: 'nagios',
      signals: [{ alertKey: 'nagios:search-api-2', workload: 'search-api', state: 'firing' }],
    });
  });

  it('notify-service-by-spillway: an OK service resolves it', async () => {
    const line = nagiosCommandLine('notify-service-by-spillway', {
      HOSTNAME: 'search-api-2',
      SERVICEDESC: 'http',
      SERVICESTATE: 'OK',
      NOTIFICATIONTYPE: 'RECOVERY',
      LASTSERVICESTATECHANGE: since(),
      SERVICEOUTPUT: 'HTTP OK: 200 in 0.1 s',
    });
    const { stdout } = await run('/bin/sh', ['-c', line]);
    expect(stdout).toMatch(/^spillway-send: 202 /);
    expect(received.at(-1)?.signals).toMatchObject([
      { alertKey: 'nagios:search-api-2/http', state: 'resolved' },
    ]);
  });

  it("exits non-zero with Spillway's answer when a notification is refused, so Nagios logs it", async () => {
    // Prepare: a state change stamped two days ahead, as a host with a broken clock sends it
    const line = nagiosCommandLine('notify-host-by-spillway', {
      HOSTNAME: 'search-api-2',
      HOSTSTATE: 'DOWN',
      NOTIFICATIONTYPE: 'PROBLEM',
      LASTHOSTSTATECHANGE: String(Math.floor(Date.now() / 1000) + 2 * 86_400),
      HOSTOUTPUT: 'down',
    });

    // Act
    const { stdout, stderr } = await run('/bin/sh', ['-c', `${line}; echo "exit=$?"`]);

    // Assess
    expect(stdout).toMatch(/exit=2/);
    expect(stderr).toMatch(/^spillway-send: 400 .*lastStateChange: more than 24 hours in the future/);
    expect(received.at(-1)).toMatchObject({ status: 400, signals: [] });
  });
});
