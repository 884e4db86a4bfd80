import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signStandardWebhooks } from '../../src/core/auth/signatures';
import { signSns } from '../unit/usecases/ingest-deps';
import { alertmanagerBody, eventually, type Harness, startHarness } from './harness';

const FIXTURES = resolve(import.meta.dirname, '../fixtures');
const fixture = (path: string) => JSON.parse(readFileSync(resolve(FIXTURES, path), 'utf8'));
const WHSEC = `whsec_${Buffer.from('integration-standard-webhooks-key').toString('base64')}`;
const GRAFANA_KEY = 'grafana-hmac-key';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:spillway-alarms';
const unixNow = () => String(Math.floor(Date.now() / 1000));

/** Every source through the local HTTP endpoint, the queue and the decide function, into state. */
describe('each monitor source into the local runtime', () => {
  let harness: Harness;
  beforeAll(async () => {
    // The local runtime's secret settings, as an operator sets them (docs/ingest.md); sources
    // without an entry (alertmanager, zabbix) use the harness token.
    process.env.SPILLWAY_WEBHOOK_SECRETS = JSON.stringify({
      grafana: GRAFANA_KEY,
      datadog: 'datadog:pa55',
      generic: WHSEC,
      icinga: WHSEC,
      nagios: WHSEC,
    });
    process.env.SPILLWAY_SNS_CERTIFICATE_FILE = resolve(FIXTURES, 'sns/test-signing-cert.pem');
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.runtime.stop();
    delete process.env.SPILLWAY_WEBHOOK_SECRETS;
    delete process.env.SPILLWAY_SNS_CERTIFICATE_FILE;
  });

  /** Waits until the workload's state knows the alert key: the signal went all the way through. */
  const applied = (workload: string, alertKey: string) =>
    eventually(async () => {
      const state = await harness.store.load(workload);
      return Object.hasOwn(state.alerts, alertKey) ? state.alerts[alertKey] : undefined;
    }, `${alertKey} applied to ${workload}`);

  const send = (source: string, body: string, headers: Record<string, string>) =>
    fetch(`${harness.runtime.url}/webhooks/${source}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('grafana: an HMAC-signed alert with a timestamp', async () => {
    const sample = fixture('grafana/webhook-firing.json');
    sample.alerts[0].labels.workload = 'racing';
    const body = JSON.stringify(sample);
    const ts = unixNow();
    const signature = createHmac('sha256', GRAFANA_KEY).update(`${ts}:${body}`).digest('hex');
    const response = await send('grafana', body, {
      'x-grafana-alerting-signature': signature,
      'x-grafana-alerting-signature-timestamp': ts,
    });
    expect(response.status).toBe(202);
    expect(await applied('racing', 'grafana:57c6d9296de2ad39')).toMatchObject({ state: 'firing' });
    const unsigned = await send('grafana', body, { 'x-grafana-alerting-signature': signature });
    expect(unsigned.status).toBe(401);
  });

  it('zabbix: the media type body with a bearer token, workload from the host group', async () => {
    const sample = fixture('zabbix/problem.json');
    sample.event.tags = [];
    sample.host.groups = ['Racing'];
    const response = await send('zabbix', JSON.stringify(sample), {
      authorization: 'Bearer integration-test-token',
    });
    expect(response.status).toBe(202);
    expect(await applied('racing', 'zabbix:4211')).toMatchObject({ state: 'firing' });
  });

  it('datadog: the documented payload with basic auth', async () => {
    const sample = { ...fixture('datadog/triggered.json'), tags: 'env:prod,workload:racing' };
    const basic = `Basic ${Buffer.from('datadog:pa55').toString('base64')}`;
    const response = await send('datadog', JSON.stringify(sample), { authorization: basic });
    expect(response.status).toBe(202);
    expect(await applied('racing', 'datadog:81920452/env:prod')).toMatchObject({ state: 'firing' });
    const wrong = await send('datadog', JSON.stringify(sample), { authorization: 'Bearer pa55' });
    expect(wrong.status).toBe(401);
  });

  it('icinga: sent and signed by scripts/spillway-send.py, as the notification command runs it', async () => {
    const { stdout } = await promisify(execFile)(
      'python3',
      [
        resolve(import.meta.dirname, '../../scripts/spillway-send.py'),
        '--url',
        `${harness.runtime.url}/webhooks/icinga`,
        'host=racing-web-3',
        'service=http-latency',
        'state=CRITICAL',
        'notificationType=PROBLEM',
        `lastStateChange=${unixNow()}`,
        'output=HTTP CRITICAL: p99 1.2 s',
      ],
      { env: { ...process.env, SPILLWAY_SECRET: WHSEC } },
    );
    expect(stdout).toMatch(/^spillway-send: 202 /);
    expect(await applied('racing', 'icinga:racing-web-3/http-latency')).toMatchObject({ state: 'firing' });
  });

  it('nagios: a Standard Webhooks signed host notification', async () => {
    const body = JSON.stringify({ ...fixture('nagios/host-down.json'), host: 'racing-web' });
    const ts = unixNow();
    const response = await send('nagios', body, {
      'webhook-id': 'msg_nagios_1',
      'webhook-timestamp': ts,
      'webhook-signature': signStandardWebhooks(WHSEC, 'msg_nagios_1', ts, body),
    });
    expect(response.status).toBe(202);
    expect(await applied('racing', 'nagios:racing-web')).toMatchObject({ state: 'firing' });
  });

  it('cloudwatch-sns: a signed SNS notification, and the subscription handshake', async () => {
    const alarm = {
      ...fixture('cloudwatch-sns/metric-alarm-message.json'),
      AlarmName: 'alarm-driven-sns-cpu',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:alarm-driven-sns-cpu',
    };
    const notification = signSns({
      ...fixture('cloudwatch-sns/notification-envelope.json'),
      Message: JSON.stringify(alarm),
    });
    const response = await send('cloudwatch-sns', JSON.stringify(notification), {
      'content-type': 'text/plain; charset=UTF-8',
    });
    expect(response.status).toBe(202);
    expect(
      await applied(
        'alarm-driven',
        'cloudwatch:arn:aws:cloudwatch:us-east-1:123456789012:alarm:alarm-driven-sns-cpu',
      ),
    ).toMatchObject({ state: 'firing' });

    const confirmation = signSns(fixture('cloudwatch-sns/subscription-confirmation.json'));
    const confirmed = await send('cloudwatch-sns', JSON.stringify(confirmation), {
      'content-type': 'text/plain',
    });
    expect(await confirmed.json()).toEqual({ confirmed: true, topicArn: TOPIC });
  });

  it('generic: a spillway.signal/v1 body signed with Standard Webhooks', async () => {
    const sample = fixture('generic/firing.json');
    sample.signals[0].workload = 'racing';
    const body = JSON.stringify(sample);
    const ts = unixNow();
    const response = await send('generic', body, {
      'webhook-id': 'msg_generic_1',
      'webhook-timestamp': ts,
      'webhook-signature': signStandardWebhooks(WHSEC, 'msg_generic_1', ts, body),
    });
    expect(response.status).toBe(202);
    expect(await applied('racing', 'generic:queue-depth-high')).toMatchObject({ state: 'firing' });
  });

  it('alertmanager: a storm of 300 alerts for one workload becomes one decision', async () => {
    const one = alertmanagerBody({
      workload: 'orphans',
      status: 'firing',
      fingerprint: 'x',
      startsAt: new Date(Date.now() - 60_000).toISOString(),
    });
    const alerts = Array.from({ length: 300 }, (_, i) => ({
      ...one.alerts[0],
      fingerprint: `5707${String(i).padStart(12, '0')}`,
    }));
    const response = await harness.post('alertmanager', { ...one, alerts, truncatedAlerts: 12 });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ accepted: 300, truncatedAlerts: 12 });
    const decisions = await eventually(async () => {
      const found = (await harness.store.recentDecisions('orphans')).filter((d) => !d.tick);
      return found.length > 0 ? found : undefined;
    }, 'the storm to be decided');
    await harness.runtime.queueIdle();
    const fromSignals = (await harness.store.recentDecisions('orphans')).filter((d) => !d.tick);
    expect(fromSignals).toHaveLength(1);
    expect(decisions[0]?.action.kind).toBe('scale_out');
  });
});
