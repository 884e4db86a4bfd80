import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../../src/config/load';
import { maintenanceSchedule, scheduledMessageBody } from '../../src/core/maintenance';
import { startMaintenanceTimer } from '../../src/local/maintenance-timer';
import type { StopScheduleTimer } from '../../src/local/schedule-timer';
import { eventually, type Harness, startHarness, tagValue, tasksIn } from './harness';

const CONFIG = resolve(import.meta.dirname, 'evacuation.yaml');
const LEAD_SECONDS = 6;

describe('a maintenance window evacuates its site and drains back, end to end through the local runtime', () => {
  let harness: Harness;
  let stopTimer: StopScheduleTimer | undefined;
  beforeAll(async () => {
    harness = await startHarness({ configPath: CONFIG });
  });
  afterAll(async () => {
    await stopTimer?.();
    await harness?.runtime.stop();
  });

  const tasksOf = async (workload: string) =>
    (await tasksIn(harness, 'us-west-2', 'spillway-test')).filter(
      (t) => tagValue(t, 'spillway:workload') === workload,
    );
  const running = async (workload: string) =>
    (await tasksOf(workload)).filter((t) => t.lastStatus === 'RUNNING');
  /** What EventBridge Scheduler does on AWS: one SendMessage of the schedule's body. */
  const sendToQueue = async (body: string) => {
    await harness.sqs.send(
      new SendMessageCommand({ QueueUrl: harness.runtime.provisioned.signalsQueueUrl, MessageBody: body }),
    );
  };
  const sleepUntil = (time: number) =>
    new Promise((done) => setTimeout(done, Math.max(0, time - Date.now())));

  it('starts the home capacity before the window, applies a redelivery once, and drains it all back after', async () => {
    // Prepare: a window of onprem-dc1 starting 14 s from now, evacuated 6 s before, lasting 10 s.
    const now = Date.now();
    const start = now + 14_000;
    const end = now + 24_000;
    const config = parseConfig(
      {
        ...(parseYaml(readFileSync(CONFIG, 'utf8')) as object),
        maintenanceWindows: [
          {
            name: 'dc1-test',
            site: 'onprem-dc1',
            start: new Date(start).toISOString(),
            end: new Date(end).toISOString(),
            leadSeconds: LEAD_SECONDS,
          },
        ],
      },
      CONFIG,
    );
    const [evacuate, endEvacuation] = maintenanceSchedule(config);
    if (!evacuate || !endEvacuation) throw new Error('the window yields no commands for evacuee');
    expect(await tasksOf('evacuee')).toEqual([]);

    // Act
    stopTimer = startMaintenanceTimer({
      config,
      send: sendToQueue,
      intervalMs: 200,
      log: (line) => harness.lines.push(line),
    });

    // Assess: the home capacity (3) runs in the cloud before the window starts, and no more.
    const evacuated = await eventually(async () => {
      const tasks = await running('evacuee');
      return tasks.length === 3 ? tasks : undefined;
    }, 'three RUNNING evacuee tasks');
    expect(Date.now()).toBeLessThan(start);
    expect(evacuated.map((t) => tagValue(t, 'spillway:home-site'))).toEqual([
      'onprem-dc1',
      'onprem-dc1',
      'onprem-dc1',
    ]);
    const evacuation = (await harness.store.recentDecisions('evacuee')).find((d) =>
      d.commands?.some((c) => c.id === evacuate.command.id),
    );
    expect(evacuation?.action.kind).toBe('scale_out');
    expect(evacuation?.reason).toContain('maintenance window dc1-test');
    expect(evacuation?.commands).toEqual([
      { id: evacuate.command.id, action: 'evacuate', outcome: 'applied' },
    ]);
    expect(await tasksOf('stay-home')).toEqual([]);

    // Act: Scheduler is at-least-once: the same schedule delivers its message a second time.
    await sendToQueue(scheduledMessageBody(evacuate));

    // Assess
    await eventually(async () => {
      const decisions = await harness.store.recentDecisions('evacuee');
      const ignored = decisions.find(
        (d) => d.action.kind === 'ignored' && d.commands?.some((c) => c.id === evacuate.command.id),
      );
      return ignored?.commands?.[0]?.outcome === 'duplicate' ? true : undefined;
    }, 'the redelivered evacuation logged as an ignored duplicate');
    await harness.runtime.reconcileNow();
    expect(await running('evacuee')).toHaveLength(3);

    // Assess: nothing drains during the window; after its end, every task drains to STOPPED.
    await sleepUntil(end - 1_000);
    expect(await running('evacuee')).toHaveLength(3);
    const drained = await eventually(async () => {
      const tasks = await tasksOf('evacuee');
      return tasks.length === 3 && tasks.every((t) => t.lastStatus === 'STOPPED') ? tasks : undefined;
    }, 'the three evacuee tasks STOPPED after the window');
    expect(drained.map((t) => t.stoppedReason)).toEqual([
      'Spillway drain',
      'Spillway drain',
      'Spillway drain',
    ]);
    const decisions = await harness.store.recentDecisions('evacuee');
    const ended = decisions.find((d) => d.commands?.some((c) => c.id === endEvacuation.command.id));
    // The evacuation ends at its `until` by itself: the scale-in comes from whichever decision
    // runs first after the end, the end command's or a reconcile tick's, and never before it.
    const scaleIns = decisions.filter((d) => d.action.kind === 'scale_in');
    expect(scaleIns).toHaveLength(1);
    expect(Date.parse(scaleIns[0]?.at as string)).toBeGreaterThanOrEqual(end);
    expect(Date.parse(ended?.at as string)).toBeGreaterThanOrEqual(end);
    expect(ended?.commands).toEqual([
      { id: endEvacuation.command.id, action: 'end_evacuation', outcome: 'applied' },
    ]);
    expect((await harness.store.load('evacuee')).evacuation).toBeUndefined();
  });
});
