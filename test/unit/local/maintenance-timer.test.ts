import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SpillwayConfig } from '../../../src/config/schema';
import { maintenanceSchedule, scheduledMessageBody } from '../../../src/core/maintenance';
import { startMaintenanceTimer } from '../../../src/local/maintenance-timer';
import type { StopScheduleTimer } from '../../../src/local/schedule-timer';
import { aConfig } from '../factories';

const INTERVAL = 1000;

/** One window: checkout-api evacuates at 01:45, the window runs 02:00-06:00. */
const config: SpillwayConfig = aConfig({
  maintenanceWindows: [
    {
      name: 'dc1-patching',
      site: 'onprem-dc1',
      start: '2026-12-01T02:00:00Z',
      end: '2026-12-01T06:00:00Z',
      workloads: ['checkout-api'],
    },
  ],
});
const [evacuate, end] = maintenanceSchedule(config).map(scheduledMessageBody);

/** A fake clock the test moves, a send that records or fails, and a way to let a tick run. */
function harness(startAt: string) {
  let now = Date.parse(startAt);
  const sent: string[] = [];
  const lines: string[] = [];
  let failing = false;
  let stop: StopScheduleTimer | undefined;
  return {
    sent,
    lines,
    start() {
      stop = startMaintenanceTimer({
        config,
        send: async (body) => {
          if (failing) throw new Error('queue unreachable');
          sent.push(body);
        },
        clock: () => new Date(now),
        intervalMs: INTERVAL,
        log: (line) => lines.push(line),
      });
      return stop;
    },
    setTime(iso: string) {
      now = Date.parse(iso);
    },
    fail(on: boolean) {
      failing = on;
    },
    /** One interval passes on the timer (not on the clock, which only the test moves). */
    tick: () => vi.advanceTimersByTimeAsync(INTERVAL),
    stop: () => stop?.(),
  };
}

describe('startMaintenanceTimer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });
  afterEach(async () => {
    vi.useRealTimers();
  });

  it('sends each command once when it falls due, the exact body the deployed schedule delivers', async () => {
    // Prepare
    const h = harness('2026-12-01T01:00:00Z');
    h.start();
    await h.tick();
    expect(h.sent).toEqual([]);

    // Act: the evacuation falls due between two ticks; later ticks pass; then the window ends.
    h.setTime('2026-12-01T01:45:00.500Z');
    await h.tick();
    await h.tick();
    h.setTime('2026-12-01T05:59:59Z');
    await h.tick();
    h.setTime('2026-12-01T06:00:00Z');
    await h.tick();
    await h.tick();

    // Assess
    expect(h.sent).toEqual([evacuate, end]);
    expect(h.lines).toContain(
      `maintenance: sent evacuate checkout-api (window dc1-patching, ${JSON.parse(evacuate as string).command.id})`,
    );
    await h.stop();
  });

  it('started during a window, evacuates at once; started after it, sends nothing', async () => {
    // Prepare
    const during = harness('2026-12-01T03:00:00Z');
    const after = harness('2026-12-01T07:00:00Z');

    // Act
    during.start();
    after.start();
    await during.tick();

    // Assess
    expect(during.sent).toEqual([evacuate]);
    expect(after.sent).toEqual([]);
    await during.stop();
    await after.stop();
  });

  it('tries a failed send again on the next tick, and not again once it went out', async () => {
    // Prepare
    const h = harness('2026-12-01T01:00:00Z');
    h.start();
    h.fail(true);
    h.setTime('2026-12-01T01:46:00Z');
    await h.tick();
    expect(h.sent).toEqual([]);

    // Act
    h.fail(false);
    await h.tick();
    await h.tick();

    // Assess
    expect(h.sent).toEqual([evacuate]);
    expect(h.lines.some((line) => line.includes('not sent, retrying: queue unreachable'))).toBe(true);
    await h.stop();
  });

  it('gives up an evacuation its window outlived, but still ends it', async () => {
    // Prepare: the queue is down from before the evacuation until after the window.
    const h = harness('2026-12-01T01:00:00Z');
    h.start();
    h.fail(true);
    h.setTime('2026-12-01T02:00:00Z');
    await h.tick();
    h.setTime('2026-12-01T06:00:01Z');
    await h.tick();

    // Act
    h.fail(false);
    await h.tick();

    // Assess
    expect(h.sent).toEqual([end]);
    await h.stop();
  });

  it('sends nothing twice when the clock steps back', async () => {
    // Prepare
    const h = harness('2026-12-01T01:00:00Z');
    h.start();
    h.setTime('2026-12-01T01:50:00Z');
    await h.tick();

    // Act
    h.setTime('2026-12-01T01:40:00Z');
    await h.tick();
    h.setTime('2026-12-01T01:50:00Z');
    await h.tick();

    // Assess
    expect(h.sent).toEqual([evacuate]);
    await h.stop();
  });

  it('sends nothing after it is stopped', async () => {
    // Prepare
    const h = harness('2026-12-01T01:00:00Z');
    h.start();
    await h.stop();

    // Act
    h.setTime('2026-12-01T07:00:00Z');
    await h.tick();

    // Assess
    expect(h.sent).toEqual([]);
  });

  it('does not start a tick while a send is in flight: a slow queue delays commands, never repeats them', async () => {
    // Prepare: the first send hangs until released.
    let release: () => void = () => {};
    const sent: string[] = [];
    let now = Date.parse('2026-12-01T01:50:00Z');
    const stop = startMaintenanceTimer({
      config,
      send: (body) =>
        new Promise<void>((done) => {
          release = () => {
            sent.push(body);
            done();
          };
        }),
      clock: () => new Date(now),
      intervalMs: INTERVAL,
      log: () => {},
    });

    // Act: ticks pass while the evacuation is in flight, and the window ends meanwhile.
    await vi.advanceTimersByTimeAsync(INTERVAL * 3);
    now = Date.parse('2026-12-01T06:00:00Z');
    await vi.advanceTimersByTimeAsync(INTERVAL);
    release();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    release();
    await vi.advanceTimersByTimeAsync(INTERVAL * 3);

    // Assess
    expect(sent).toEqual([evacuate, end]);
    await stop();
  });
});
