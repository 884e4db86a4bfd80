import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SpillwayConfig } from '../../../src/config/schema';
import { scheduledDrillBody } from '../../../src/core/drill-schedule';
import { startDrillTimer } from '../../../src/local/drill-timer';
import { parseQueueMessage } from '../../../src/usecases/parse-queue-message';
import { aConfig } from '../factories';

const INTERVAL = 1000;

/** A fake clock the test moves, a send that records or fails, and a way to let a tick run. */
function harness(config: SpillwayConfig, startAt: string) {
  let now = Date.parse(startAt);
  const sent: string[] = [];
  const lines: string[] = [];
  let failing = false;
  const stop = startDrillTimer({
    config,
    send: async (body) => {
      if (failing) throw new Error('queue unreachable');
      sent.push(body);
    },
    clock: () => new Date(now),
    intervalMs: INTERVAL,
    log: (line) => lines.push(line),
  });
  return {
    sent,
    lines,
    setTime: (iso: string) => {
      now = Date.parse(iso);
    },
    fail: (on: boolean) => {
      failing = on;
    },
    tick: () => vi.advanceTimersByTimeAsync(INTERVAL),
    stop,
  };
}

describe('startDrillTimer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends each drilled workload the body Scheduler would, one period after it starts and every period after', async () => {
    // Prepare: hourly drills of checkout-api only.
    const config = aConfig({ drills: { schedule: 'rate(1 hour)', workloads: ['checkout-api'] } });
    const h = harness(config, '2026-12-01T01:00:00Z');

    // Act
    h.setTime('2026-12-01T01:59:59Z');
    await h.tick();
    const beforeDue = [...h.sent];
    h.setTime('2026-12-01T02:00:00.300Z');
    await h.tick();
    await h.tick();
    h.setTime('2026-12-01T03:00:00Z');
    await h.tick();

    // Assess
    expect(beforeDue).toEqual([]);
    expect(h.sent).toEqual([
      scheduledDrillBody(config, 'checkout-api', '2026-12-01T02:00:00Z'),
      scheduledDrillBody(config, 'checkout-api', '2026-12-01T03:00:00Z'),
    ]);
    expect(parseQueueMessage(h.sent[0] as string, config)).toMatchObject({
      ok: true,
      commands: [
        {
          id: 'drill-sched-checkout-api-2026-12-01T02:00:00Z',
          action: 'drill',
          requestedBy: 'drill-schedule',
        },
      ],
    });
    await h.stop();
  });

  it('sends a drill it could not send on a later tick, with the same id', async () => {
    // Prepare
    const config = aConfig({ drills: { schedule: 'rate(2 hours)' } });
    const h = harness(config, '2026-12-01T00:00:00Z');
    h.fail(true);

    // Act
    h.setTime('2026-12-01T02:00:01Z');
    await h.tick();
    h.fail(false);
    await h.tick();

    // Assess: both workloads, each once, by the firing time.
    expect(h.sent).toEqual([
      scheduledDrillBody(config, 'checkout-api', '2026-12-01T02:00:00Z'),
      scheduledDrillBody(config, 'search-api', '2026-12-01T02:00:00Z'),
    ]);
    expect(h.lines.filter((l) => l.includes('not sent, retrying'))).toHaveLength(2);
    await h.stop();
  });

  it('leaves a cron() schedule to Scheduler and says so', async () => {
    // Prepare
    const config = aConfig({ drills: { schedule: 'cron(0 3 ? * TUE *)' } });
    const h = harness(config, '2026-12-01T00:00:00Z');

    // Act
    h.setTime('2026-12-09T00:00:00Z');
    await h.tick();

    // Assess
    expect(h.sent).toEqual([]);
    expect(h.lines).toEqual([
      'drills: cron(0 3 ? * TUE *) runs on EventBridge Scheduler only; locally, use rate(…) or spillway drill',
    ]);
    await h.stop();
  });
});
