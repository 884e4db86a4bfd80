import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser';
import { alertmanagerBody, type Harness, startHarness } from './harness';

const SCREENSHOTS = resolve(import.meta.dirname, '../../test-output');

/**
 * The page at `/`, in a real Chromium: what a newcomer watches while `make demo` runs. Each step
 * waits on what the page shows, never on the emulator, so the page has to update by itself.
 */
describe('the status page, in Chromium', () => {
  let harness: Harness;
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    [harness, browser] = await Promise.all([startHarness(), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.runtime.stop();
  });

  const startsAt = new Date(Date.now() - 60_000).toISOString();
  const firing = alertmanagerBody({
    workload: 'burst-drain',
    status: 'firing',
    fingerprint: 'face00000000001',
    startsAt,
  });
  const workload = () => page.locator('[data-testid=workload][data-workload=burst-drain]');
  const tasksIn = (status: string) => workload().locator(`[data-testid=task][data-status=${status}]`);

  it('shows every workload with its home site, quiet, before anything happens', async () => {
    // Act
    await page.goto(harness.runtime.url);

    // Assess
    await expect.poll(() => page.locator('#connection').textContent()).toBe('live');
    expect(await workload().locator('h2').textContent()).toContain('home onprem-dc1');
    expect(await workload().textContent()).toContain('no alert firing');
    expect(await page.locator('[data-testid=breaker]').count()).toBeGreaterThan(0);
  });

  it('shows the alert with its summary, the burst tasks running and the decision, after the alert fires', async () => {
    // Act
    expect((await harness.post('alertmanager', firing)).status).toBe(202);

    // Assess
    await expect.poll(() => tasksIn('running').count(), { timeout: 30_000 }).toBe(2);
    expect(await tasksIn('running').first().getAttribute('data-region')).toBe('us-west-2');
    expect(await workload().locator('[data-testid=alert]').textContent()).toContain(
      'request rate above capacity',
    );
    await expect
      .poll(() => page.locator('[data-testid=decision][data-kind=scale_out]').first().textContent())
      .toContain('start 2 in us-west-2');
    await page.screenshot({ path: resolve(SCREENSHOTS, 'status-page-burst.png'), fullPage: true });
  });

  it('shows the tasks drained and stopped, and no alert, after the alert resolves', async () => {
    // Prepare
    await new Promise((r) => setTimeout(r, 1100)); // the workload's scale-in cooldown is 1 s
    const resolved = alertmanagerBody({
      workload: 'burst-drain',
      status: 'resolved',
      fingerprint: 'face00000000001',
      startsAt,
      endsAt: new Date().toISOString(),
    });

    // Act
    expect((await harness.post('alertmanager', resolved)).status).toBe(202);

    // Assess: each drain's workflow step while it runs (stopping lasts until ECS reports STOPPED)
    const midDrain = workload().locator(
      '[data-testid=drain-step][data-step=draining], [data-testid=drain-step][data-step=stopping]',
    );
    await expect.poll(() => midDrain.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await midDrain.first().textContent()).toMatch(
      /^(draining: deregistered, serving out drainSeconds|stopping: StopTask sent, waiting for STOPPED)$/,
    );
    await expect.poll(() => tasksIn('stopped').count(), { timeout: 45_000 }).toBe(2);
    expect(await tasksIn('running').count()).toBe(0);
    expect(await workload().textContent()).toContain('no alert firing');
    const drains = await tasksIn('stopped').locator('td').nth(6).textContent();
    expect(drains).toMatch(/^burst-drain-/);
    expect(await tasksIn('stopped').locator('[data-testid=drain-step]').allTextContents()).toEqual([
      'stopped',
      'stopped',
    ]);
    await expect
      .poll(() => page.locator('[data-testid=decision][data-kind=scale_in]').count())
      .toBeGreaterThan(0);
    await page.screenshot({ path: resolve(SCREENSHOTS, 'status-page-drained.png'), fullPage: true });
  }, 60_000);

  it('told the terminal each step of it in one readable line', () => {
    expect(harness.lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^signal in: alertmanager firing \S+ \(alertmanager:\S+\) "request rate above capacity" for burst-drain$/,
        ),
        expect.stringMatching(/^burst-drain: scale out: 1 alert\(s\) firing .*start 2 in us-west-2$/),
        'burst-drain: 2 tasks started in us-west-2',
        expect.stringMatching(/^burst-drain: drain started for us-west-2\/\w{8} \(stops it after 1 s\)$/),
        expect.stringMatching(/^burst-drain: drain succeeded, us-west-2\/\w{8} stopped$/),
      ]),
    );
    expect(harness.lines.filter((line) => line.startsWith('{'))).toEqual([]);
  });
});
