import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerBody, eventually, type Harness, startHarness } from './harness';

/** `promtool`, from Debian's prometheus package (`make browser` installs it with Chromium). */
const promtool = spawnSync('promtool', ['--version']).status === 0;

const scrape = async (harness: Harness) => {
  const response = await fetch(`${harness.runtime.url}/metrics`);
  return { response, body: await response.text() };
};

describe('GET /metrics on the local runtime', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.runtime.stop();
  });

  it('counts what the functions did during a burst, under the catalogue labels, and the tasks per state', async () => {
    // Prepare
    const firing = alertmanagerBody({
      workload: 'burst-drain',
      status: 'firing',
      fingerprint: 'feed00000000001',
      startsAt: new Date(Date.now() - 60_000).toISOString(),
    });

    // Act
    expect((await harness.post('alertmanager', firing)).status).toBe(202);

    // Assess
    const running =
      'spillway_burst_tasks{environment="local",workload="burst-drain",region="us-west-2",state="running"} 2';
    const { response, body } = await eventually(async () => {
      const scraped = await scrape(harness);
      // The gauge reads the state, the counters are recorded as the functions go: wait for both.
      return scraped.body.includes(running) && scraped.body.includes('spillway_decisions_total{')
        ? scraped
        : undefined;
    }, 'two running burst tasks and the decision on /metrics');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain('spillway_signals_accepted_total{environment="local",source="alertmanager"} 1');
    expect(body).toContain(
      'spillway_decisions_total{environment="local",workload="burst-drain",kind="scale_out"} 1',
    );
    expect(body).toContain('spillway_launches_started_total{environment="local",region="us-west-2"} 2');
    expect(body).toContain('spillway_decision_latency_seconds_count{environment="local"} 1');
    expect(body).toContain(
      'spillway_burst_tasks{environment="local",workload="burst-drain",region="eu-west-1",state="running"} 0',
    );
  });

  it('counts a refused delivery by source and reason', async () => {
    // Act
    const refused = await fetch(`${harness.runtime.url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' },
      body: '{}',
    });

    // Assess
    expect(refused.status).toBe(401);
    const { body } = await scrape(harness);
    expect(body).toMatch(
      /spillway_signals_rejected_total\{environment="local",source="alertmanager",reason="[a-z_]+"\} 1/,
    );
  });

  it.runIf(promtool)('passes promtool check metrics', async () => {
    // Prepare
    const { body } = await scrape(harness);

    // Act
    const checked = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });

    // Assess
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.status).toBe(0);
  });
});
