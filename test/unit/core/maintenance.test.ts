import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SpillwayConfig } from '../../../src/config/schema';
import {
  commandMessageBody,
  commandsToCatchUp,
  dueCommands,
  endedWindows,
  MAINTENANCE_REQUESTER,
  maintenanceSchedule,
  type ScheduledCommand,
  scheduledMessageBody,
} from '../../../src/core/maintenance';
import { parseQueueMessage } from '../../../src/usecases/parse-queue-message';
import { aConfig, type Document, workloadDoc } from '../factories';

/** Three sites: checkout-api and search-api at home in dc1, billing-api in dc2, nothing in dc3. */
function configWith(windows: Document[]): SpillwayConfig {
  return aConfig({
    sites: [
      { id: 'onprem-dc1', kind: 'onprem' },
      { id: 'onprem-dc2', kind: 'onprem' },
      { id: 'onprem-dc3', kind: 'onprem' },
    ],
    workloads: [
      workloadDoc({ name: 'checkout-api' }),
      workloadDoc({ name: 'search-api' }),
      workloadDoc({ name: 'billing-api', homeSite: 'onprem-dc2' }),
    ],
    signals: {},
    maintenanceWindows: windows,
  });
}

const dc1Patching = (overrides: Document = {}): Document => ({
  name: 'dc1-patching',
  site: 'onprem-dc1',
  start: '2026-12-01T02:00:00Z',
  end: '2026-12-01T06:00:00Z',
  ...overrides,
});

const summary = (schedule: readonly ScheduledCommand[]) =>
  schedule.map((s) => [s.dueAt, s.command.action, s.command.workload]);

describe('maintenanceSchedule', () => {
  it('evacuates every workload at home in the site 15 minutes before the start, and ends it at the end', () => {
    // Act
    const schedule = maintenanceSchedule(configWith([dc1Patching()]));

    // Assess
    expect(summary(schedule)).toEqual([
      ['2026-12-01T01:45:00.000Z', 'evacuate', 'checkout-api'],
      ['2026-12-01T01:45:00.000Z', 'evacuate', 'search-api'],
      ['2026-12-01T06:00:00.000Z', 'end_evacuation', 'checkout-api'],
      ['2026-12-01T06:00:00.000Z', 'end_evacuation', 'search-api'],
    ]);
  });

  it('builds the evacuate command: until the end, named after the window, issued when due', () => {
    // Act
    const [evacuate, , end] = maintenanceSchedule(configWith([dc1Patching()]));

    // Assess
    expect(evacuate?.command).toEqual({
      id: expect.stringMatching(/^mw-dc1-patching-[0-9a-f]{8}-checkout-api-evacuate$/),
      workload: 'checkout-api',
      action: 'evacuate',
      reason: 'maintenance window dc1-patching of site onprem-dc1',
      requestedBy: MAINTENANCE_REQUESTER,
      until: '2026-12-01T06:00:00.000Z',
      window: 'dc1-patching',
      issuedAt: '2026-12-01T01:45:00.000Z',
    });
    expect(end?.command).toEqual({
      id: expect.stringMatching(/^mw-dc1-patching-[0-9a-f]{8}-checkout-api-end$/),
      workload: 'checkout-api',
      action: 'end_evacuation',
      reason: 'end of maintenance window dc1-patching of site onprem-dc1',
      requestedBy: MAINTENANCE_REQUESTER,
      window: 'dc1-patching',
      issuedAt: '2026-12-01T06:00:00.000Z',
    });
    expect(evacuate?.windowEnd).toBe('2026-12-01T06:00:00.000Z');
  });

  it("takes the window's lead time, reason and explicit workloads, whatever their home", () => {
    // Act
    const schedule = maintenanceSchedule(
      configWith([
        dc1Patching({ leadSeconds: 0, workloads: ['billing-api'], reason: 'core switch firmware' }),
      ]),
    );

    // Assess
    expect(summary(schedule)).toEqual([
      ['2026-12-01T02:00:00.000Z', 'evacuate', 'billing-api'],
      ['2026-12-01T06:00:00.000Z', 'end_evacuation', 'billing-api'],
    ]);
    expect(schedule[0]?.command.reason).toBe('core switch firmware');
  });

  it('reads times with an offset as the instant they name, in UTC', () => {
    // Act
    const [evacuate] = maintenanceSchedule(
      configWith([dc1Patching({ start: '2026-12-01T03:00:00+01:00', end: '2026-12-01T07:00:00+01:00' })]),
    );

    // Assess
    expect(evacuate?.dueAt).toBe('2026-12-01T01:45:00.000Z');
    expect(evacuate?.command.until).toBe('2026-12-01T06:00:00.000Z');
  });

  it('orders commands of several windows by when they fall due', () => {
    // Act
    const schedule = maintenanceSchedule(
      configWith([
        dc1Patching({
          start: '2026-12-08T02:00:00Z',
          end: '2026-12-08T03:00:00Z',
          workloads: ['search-api'],
        }),
        {
          name: 'dc2-power',
          site: 'onprem-dc2',
          start: '2026-12-02T00:00:00Z',
          end: '2026-12-02T01:00:00Z',
        },
      ]),
    );

    // Assess
    expect(summary(schedule)).toEqual([
      ['2026-12-01T23:45:00.000Z', 'evacuate', 'billing-api'],
      ['2026-12-02T01:00:00.000Z', 'end_evacuation', 'billing-api'],
      ['2026-12-08T01:45:00.000Z', 'evacuate', 'search-api'],
      ['2026-12-08T03:00:00.000Z', 'end_evacuation', 'search-api'],
    ]);
  });

  it('sends nothing for a site no workload calls home, nor without windows', () => {
    expect(maintenanceSchedule(configWith([dc1Patching({ site: 'onprem-dc3' })]))).toEqual([]);
    expect(maintenanceSchedule(configWith([]))).toEqual([]);
  });

  describe('command ids', () => {
    const ids = (windows: Document[]) => maintenanceSchedule(configWith(windows)).map((s) => s.command.id);

    it('are the same every time the same config is read: a repeat is a duplicate to the policy', () => {
      expect(ids([dc1Patching()])).toEqual(ids([dc1Patching()]));
    });

    it('do not change with the lead time: an evacuation already applied is not applied again', () => {
      expect(ids([dc1Patching({ leadSeconds: 3600 })])).toEqual(ids([dc1Patching()]));
    });

    it('change when the window moves or is extended: the new end must reach the policy', () => {
      // Prepare
      const original = ids([dc1Patching()]);

      // Act
      const extended = ids([dc1Patching({ end: '2026-12-01T08:00:00Z' })]);
      const nextMonth = ids([dc1Patching({ start: '2027-01-05T02:00:00Z', end: '2027-01-05T06:00:00Z' })]);

      // Assess
      for (const other of [extended, nextMonth]) {
        expect(other).toHaveLength(original.length);
        for (const id of other) expect(original).not.toContain(id);
      }
    });

    it('are unique across workloads and actions', () => {
      // Act
      const all = ids([dc1Patching()]);

      // Assess
      expect(all.length).toBeGreaterThan(2);
      expect(new Set(all).size).toBe(all.length);
    });

    it('cannot collide through one window written twice: the config refuses a repeated name', () => {
      expect(() => configWith([dc1Patching(), dc1Patching()])).toThrow(/defined twice/);
    });

    it('fit what the queue accepts even with the longest names', () => {
      // Prepare
      const longest = 'w'.repeat(40);
      const config = aConfig({
        sites: [{ id: 's'.repeat(40), kind: 'onprem' }],
        workloads: [workloadDoc({ name: longest, homeSite: 's'.repeat(40) })],
        signals: {},
        maintenanceWindows: [dc1Patching({ name: 'm'.repeat(40), site: 's'.repeat(40) })],
      });

      // Act
      const schedule = maintenanceSchedule(config);

      // Assess
      for (const { command } of schedule) expect(command.id).toMatch(/^[A-Za-z0-9+=.:_/@-]{1,128}$/);
    });
  });
});

describe('dueCommands', () => {
  const schedule = maintenanceSchedule(configWith([dc1Patching({ workloads: ['checkout-api'] })]));
  const evacuateAt = new Date('2026-12-01T01:45:00Z');

  it('takes a command due exactly at the end of the interval, and not one due exactly at its start', () => {
    // Act
    const endingAtDue = dueCommands(schedule, new Date(evacuateAt.getTime() - 1), evacuateAt);
    const startingAtDue = dueCommands(schedule, evacuateAt, new Date(evacuateAt.getTime() + 60_000));

    // Assess
    expect(endingAtDue.map((s) => s.command.action)).toEqual(['evacuate']);
    expect(startingAtDue).toEqual([]);
  });

  it('takes nothing when time stands still or steps back', () => {
    expect(dueCommands(schedule, evacuateAt, evacuateAt)).toEqual([]);
    expect(dueCommands(schedule, new Date('2026-12-02T00:00:00Z'), new Date('2026-12-01T00:00:00Z'))).toEqual(
      [],
    );
  });

  it('over any sequence of ticks, sends every command due in between exactly once, and nothing else', () => {
    // Prepare: windows within a day; ticks walk forward from some start in steps of up to 3 hours.
    const base = Date.parse('2026-12-01T00:00:00Z');
    const windowArb = fc.record({
      startMinute: fc.integer({ min: 0, max: 24 * 60 }),
      minutes: fc.integer({ min: 1, max: 8 * 60 }),
      leadSeconds: fc.integer({ min: 0, max: 7200 }),
      site: fc.constantFrom('onprem-dc1', 'onprem-dc2'),
    });
    fc.assert(
      fc.property(
        fc.array(windowArb, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: -120, max: 24 * 60 }),
        // Whole minutes often, so ticks land exactly on due times; any millisecond otherwise.
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 180 }).map((minutes) => minutes * 60_000),
            fc.integer({ min: 0, max: 3 * 3600 * 1000 }),
          ),
          { minLength: 1, maxLength: 30 },
        ),
        (windows, firstMinute, steps) => {
          const config = configWith(
            windows.map((w, index) => ({
              name: `w${index}`,
              site: w.site,
              start: new Date(base + w.startMinute * 60_000).toISOString(),
              end: new Date(base + (w.startMinute + w.minutes) * 60_000).toISOString(),
              leadSeconds: w.leadSeconds,
            })),
          );
          const all = maintenanceSchedule(config);
          const ticks = [base + firstMinute * 60_000];
          for (const step of steps) ticks.push((ticks.at(-1) as number) + step);

          // Act
          const sent = ticks
            .slice(1)
            .flatMap((tick, i) => dueCommands(all, new Date(ticks[i] as number), new Date(tick)));

          // Assess
          const first = ticks[0] as number;
          const last = ticks.at(-1) as number;
          const expected = all.filter((s) => Date.parse(s.dueAt) > first && Date.parse(s.dueAt) <= last);
          expect(sent.map((s) => s.command.id).sort()).toEqual(expected.map((s) => s.command.id).sort());
        },
      ),
    );
  });
});

describe('commandsToCatchUp', () => {
  const schedule = maintenanceSchedule(configWith([dc1Patching({ workloads: ['checkout-api'] })]));
  const catchUp = (time: string) => commandsToCatchUp(schedule, new Date(time)).map((s) => s.command.action);

  it('evacuates when started during the lead time or the window', () => {
    expect(catchUp('2026-12-01T01:45:00Z')).toEqual(['evacuate']);
    expect(catchUp('2026-12-01T05:59:59Z')).toEqual(['evacuate']);
  });

  it('owes nothing before the evacuation is due, or once the window has ended', () => {
    expect(catchUp('2026-12-01T01:44:59Z')).toEqual([]);
    expect(catchUp('2026-12-01T06:00:00Z')).toEqual([]);
    expect(catchUp('2026-12-09T00:00:00Z')).toEqual([]);
  });
});

describe('endedWindows', () => {
  it('names the windows whose end has come', () => {
    // Prepare
    const config = configWith([
      dc1Patching(),
      dc1Patching({ name: 'later', start: '2027-01-01T00:00:00Z', end: '2027-01-01T01:00:00Z' }),
    ]);

    // Act
    const ended = endedWindows(config, new Date('2026-12-01T06:00:00Z'));

    // Assess
    expect(ended.map((w) => w.name)).toEqual(['dc1-patching']);
  });
});

describe('the message body a schedule delivers', () => {
  const config = configWith([dc1Patching({ reason: 'core switch "B" firmware' })]);
  const schedule = maintenanceSchedule(config);

  it('is the command envelope the CLI sends, and the decide function reads back the same command', () => {
    for (const scheduled of schedule) {
      // Act
      const body = scheduledMessageBody(scheduled);
      const parsed = parseQueueMessage(body, config);

      // Assess
      expect(body).toBe(commandMessageBody(scheduled.command));
      expect(JSON.parse(body)).toEqual({ kind: 'command', version: 1, command: scheduled.command });
      expect(parsed).toEqual({ ok: true, signals: [], commands: [scheduled.command] });
    }
  });

  it('is the same bytes every time: a redelivery is recognisably the same command', () => {
    const again = maintenanceSchedule(config);
    expect(again.map(scheduledMessageBody)).toEqual(schedule.map(scheduledMessageBody));
  });
});
