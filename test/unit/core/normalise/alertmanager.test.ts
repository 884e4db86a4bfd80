import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AlertmanagerMapping, normaliseAlertmanager } from '../../../../src/core/normalise/alertmanager';
import type { NormaliseResult } from '../../../../src/core/normalise/result';
import type { Signal } from '../../../../src/core/signal';
import { parseQueueMessage } from '../../../../src/usecases/parse-queue-message';
import {
  aConfig,
  alertmanagerAlert,
  alertmanagerPayload,
  at,
  type Document,
  envelopeOf,
  fixture,
} from '../../factories';
import { mutate, mutationsArb, nastyValue } from '../../mutate';
import { expectWellFormed } from './well-formed';

const mapping: AlertmanagerMapping = {
  workloadLabel: 'workload',
  knownWorkloads: new Set(['checkout-api', 'search-api']),
};

const FINGERPRINT = '3a5b8c1d2e4f6071';

/** The signals of an accepted payload; fails the test on a rejection. */
function signalsOf(result: NormaliseResult): readonly Signal[] {
  if (!result.ok) throw new Error(`expected signals, got ${result.code}: ${result.message}`);
  return result.signals;
}

function onlySignal(result: NormaliseResult): Signal {
  const signals = signalsOf(result);
  expect(signals).toHaveLength(1);
  return signals[0] as Signal;
}

describe('normaliseAlertmanager', () => {
  describe('with the sample payloads', () => {
    it('translates the firing sample into one firing signal observed at startsAt', () => {
      // Prepare
      const body = fixture('alertmanager/webhook-v4-firing.json');

      // Act
      const result = normaliseAlertmanager(body, mapping, at(0));

      // Assess
      expect(result).toMatchObject({ ok: true, ignored: [] });
      const signal = onlySignal(result);
      expect(signal).toEqual({
        id: expect.stringMatching(/^sig-[0-9a-f]{20}$/),
        source: 'alertmanager',
        workload: 'checkout-api',
        alertKey: `alertmanager:${FINGERPRINT}`,
        state: 'firing',
        severity: 'critical',
        value: 0.93,
        observedAt: '2026-03-01T11:58:30.123Z',
        dedupKey: expect.stringMatching(/^alertmanager:[0-9a-f]{24}$/),
        summary: 'checkout-api p99 latency above 800ms in onprem-dc1',
        name: 'CheckoutLatencyHigh',
      });
    });

    it('translates the resolved sample into a resolved signal observed at endsAt, in UTC', () => {
      // Prepare
      const body = fixture('alertmanager/webhook-v4-resolved.json');

      // Act
      const signal = onlySignal(normaliseAlertmanager(body, mapping, at(3600)));

      // Assess
      expect(signal).toMatchObject({
        alertKey: `alertmanager:${FINGERPRINT}`,
        state: 'resolved',
        value: 0.41,
        observedAt: '2026-03-01T12:20:00.500Z',
      });
    });

    it('gives the firing and the resolved notification of one alert the same alert key but different dedup keys', () => {
      // Act
      const fired = onlySignal(
        normaliseAlertmanager(fixture('alertmanager/webhook-v4-firing.json'), mapping, at(0)),
      );
      const ended = onlySignal(
        normaliseAlertmanager(fixture('alertmanager/webhook-v4-resolved.json'), mapping, at(0)),
      );

      // Assess
      expect(ended.alertKey).toBe(fired.alertKey);
      expect(ended.dedupKey).not.toBe(fired.dedupKey);
      expect(ended.id).not.toBe(fired.id);
    });

    it('gives the same dedup key and id to the copy the other Alertmanager of an HA pair sends', () => {
      // Prepare: the twin differs in what is per instance, and arrives later
      const first = fixture('alertmanager/webhook-v4-firing.json');
      const twin = {
        ...(fixture('alertmanager/webhook-v4-firing.json') as Document),
        externalURL: 'http://alertmanager-1.onprem-dc1.example.net:9093',
      };

      // Act
      const one = onlySignal(normaliseAlertmanager(first, mapping, at(0)));
      const two = onlySignal(normaliseAlertmanager(twin, mapping, at(17)));

      // Assess
      expect(two).toEqual(one);
    });
  });

  describe('alert episodes', () => {
    it('deduplicates a repeat notification of the same episode and tells a new episode apart', () => {
      // Prepare
      const original = alertmanagerPayload([alertmanagerAlert({ startsAt: '2026-03-01T11:00:00Z' })]);
      const repeat = alertmanagerPayload([
        alertmanagerAlert({
          startsAt: '2026-03-01T11:00:00Z',
          annotations: { summary: 'still slow', value: '0.99' },
        }),
      ]);
      const nextEpisode = alertmanagerPayload([alertmanagerAlert({ startsAt: '2026-03-01T11:45:00Z' })]);

      // Act
      const [a, b, c] = [original, repeat, nextEpisode].map((body) =>
        onlySignal(normaliseAlertmanager(body, mapping, at(0))),
      );

      // Assess
      expect(b?.dedupKey).toBe(a?.dedupKey);
      expect(c?.dedupKey).not.toBe(a?.dedupKey);
      expect(c?.alertKey).toBe(a?.alertKey);
    });

    it('observes a resolved alert without an end time at the time it was received', () => {
      // Prepare
      const body = alertmanagerPayload([
        alertmanagerAlert({ status: 'resolved', endsAt: '0001-01-01T00:00:00Z' }),
      ]);

      // Act
      const signal = onlySignal(normaliseAlertmanager(body, mapping, at(42)));

      // Assess
      expect(signal.observedAt).toBe('2026-03-01T12:00:42.000Z');
      expect(signal.state).toBe('resolved');
    });

    it('observes a firing alert at startsAt even when Prometheus set a provisional endsAt', () => {
      // Prepare
      const body = alertmanagerPayload([
        alertmanagerAlert({ startsAt: '2026-03-01T11:59:00Z', endsAt: '2026-03-01T12:04:00Z' }),
      ]);

      // Act
      const signal = onlySignal(normaliseAlertmanager(body, mapping, at(0)));

      // Assess
      expect(signal.observedAt).toBe('2026-03-01T11:59:00.000Z');
    });

    it('derives a stable alert key from the labels when Alertmanager sends no fingerprint', () => {
      // Prepare
      const labels = { alertname: 'CheckoutLatencyHigh', workload: 'checkout-api', severity: 'warning' };
      const reordered = { severity: 'warning', workload: 'checkout-api', alertname: 'CheckoutLatencyHigh' };
      const other = { ...labels, instance: 'checkout-api-2:8080' };
      const keyOf = (l: Record<string, string>) =>
        onlySignal(
          normaliseAlertmanager(
            alertmanagerPayload([
              alertmanagerAlert({ fingerprint: null, labels: { instance: undefined, ...l } }),
            ]),
            mapping,
            at(0),
          ),
        ).alertKey;

      // Act
      const [a, b, c] = [labels, reordered, other].map(keyOf);

      // Assess
      expect(a).toMatch(/^alertmanager:[0-9a-f]{16}$/);
      expect(b).toBe(a);
      expect(c).not.toBe(a);
    });
  });

  describe('signal fields', () => {
    it.each([
      ['critical', 'critical'],
      ['page', 'critical'],
      ['Warning', 'warning'],
      ['info', 'info'],
      ['something-else', 'warning'],
      [undefined, 'warning'],
    ])('maps severity label %s to %s', (label, severity) => {
      // Prepare
      const body = alertmanagerPayload([alertmanagerAlert({ labels: { severity: label } })]);

      // Act
      const signal = onlySignal(normaliseAlertmanager(body, mapping, at(0)));

      // Assess
      expect(signal.severity).toBe(severity);
    });

    it('leaves the value out when the value annotation is not a number', () => {
      // Prepare
      const body = alertmanagerPayload([alertmanagerAlert({ annotations: { value: 'high', summary: 's' } })]);

      // Act
      const signal = onlySignal(normaliseAlertmanager(body, mapping, at(0)));

      // Assess
      expect(signal).not.toHaveProperty('value');
    });

    it('falls back to the description for the summary and keeps at most 256 characters', () => {
      // Prepare
      const body = alertmanagerPayload([
        alertmanagerAlert({ annotations: { description: 'x'.repeat(300) } }),
      ]);

      // Act
      const signal = onlySignal(normaliseAlertmanager(body, mapping, at(0)));

      // Assess
      expect(signal.summary).toBe(`${'x'.repeat(255)}…`);
    });

    it('reads the workload from the label the configuration names', () => {
      // Prepare
      const body = alertmanagerPayload([
        alertmanagerAlert({ labels: { workload: undefined, service: 'search-api' } }),
      ]);

      // Act
      const signal = onlySignal(normaliseAlertmanager(body, { ...mapping, workloadLabel: 'service' }, at(0)));

      // Assess
      expect(signal.workload).toBe('search-api');
    });
  });

  describe('alerts that are not signals', () => {
    it('ignores an alert without the workload label, naming the alert and the reason', () => {
      // Prepare
      const body = alertmanagerPayload([
        alertmanagerAlert({ labels: { workload: undefined } }),
        alertmanagerAlert({ labels: { workload: undefined, alertname: undefined }, fingerprint: 'ffff' }),
        alertmanagerAlert({ fingerprint: 'abcd' }),
      ]);

      // Act
      const result = normaliseAlertmanager(body, mapping, at(0));

      // Assess
      expect(result.ok).toBe(true);
      expect(signalsOf(result).map((s) => s.alertKey)).toEqual(['alertmanager:abcd']);
      expect(result.ok && result.ignored).toEqual([
        { item: 'CheckoutLatencyHigh', reason: "no 'workload' label" },
        { item: 'alerts[1]', reason: "no 'workload' label" },
      ]);
    });

    it('reports how many alerts Alertmanager truncated', () => {
      // Prepare
      const body = alertmanagerPayload([alertmanagerAlert()], { truncatedAlerts: 3 });

      // Act
      const result = normaliseAlertmanager(body, mapping, at(0));

      // Assess
      expect(result).toMatchObject({
        ok: true,
        ignored: [],
        truncatedAlerts: 3,
      });
      expect(signalsOf(result)).toHaveLength(1);
    });

    it('rejects the whole payload when an alert names a workload that is not configured', () => {
      // Prepare
      const body = alertmanagerPayload([
        alertmanagerAlert(),
        alertmanagerAlert({ labels: { workload: 'ledger' }, fingerprint: 'b' }),
        alertmanagerAlert({ labels: { workload: 'billing-api' }, fingerprint: 'c' }),
      ]);

      // Act
      const result = normaliseAlertmanager(body, mapping, at(0));

      // Assess
      expect(result).toEqual({
        ok: false,
        code: 'unknown_workload',
        message: 'unknown workload(s): billing-api, ledger',
        fields: ['alerts[].labels.workload'],
      });
    });
  });

  describe('malformed payloads', () => {
    it.each([
      ['a wrong version', { version: '3' }, 'version'],
      ['a missing alerts list', { alerts: undefined }, 'alerts'],
      ['an unknown group status', { status: 'pending' }, 'status'],
    ])('rejects %s, naming the field', (_, overrides, field) => {
      // Prepare
      const body = alertmanagerPayload([alertmanagerAlert()], overrides);

      // Act
      const result = normaliseAlertmanager(body, mapping, at(0));

      // Assess
      expect(result).toMatchObject({ ok: false, code: 'malformed', fields: [field] });
      expect(!result.ok && result.message).toMatch(
        new RegExp(`^not an Alertmanager v4 webhook payload: ${field}: `),
      );
    });

    it.each([
      ['a date that is not RFC 3339', { startsAt: '01/03/2026 12:00' }, 'alerts[1].startsAt'],
      ['an impossible date', { startsAt: '2026-02-30T10:00:00Z' }, 'alerts[1].startsAt'],
      ['a bad end time', { status: 'resolved' as const, endsAt: 'soon' }, 'alerts[1].endsAt'],
    ])('rejects an alert with %s, naming its path', (_, spec, field) => {
      // Prepare
      const body = alertmanagerPayload([alertmanagerAlert(), alertmanagerAlert(spec)]);

      // Act
      const result = normaliseAlertmanager(body, mapping, at(0));

      // Assess
      expect(result).toMatchObject({ ok: false, code: 'malformed', fields: [field] });
    });

    it('rejects a body that is not an object, naming the root', () => {
      // Act
      const result = normaliseAlertmanager('[]', mapping, at(0));

      // Assess
      expect(result).toMatchObject({ ok: false, code: 'malformed', fields: ['(root)'] });
    });
  });

  describe('for any input', () => {
    it('returns well-formed signals or a typed rejection, and never throws (anything)', () => {
      fc.assert(
        fc.property(nastyValue, (body) => {
          expectWellFormed(normaliseAlertmanager(body, mapping, at(0)), mapping.knownWorkloads);
        }),
        { numRuns: 300 },
      );
    });

    it('returns well-formed signals or a typed rejection, and never throws (mutated samples)', () => {
      const samples = [
        fixture('alertmanager/webhook-v4-firing.json'),
        fixture('alertmanager/webhook-v4-resolved.json'),
        alertmanagerPayload([
          alertmanagerAlert(),
          alertmanagerAlert({ status: 'resolved', fingerprint: 'b' }),
        ]),
      ];
      fc.assert(
        fc.property(fc.constantFrom(...samples), mutationsArb, (sample, mutations) => {
          expectWellFormed(
            normaliseAlertmanager(mutate(sample, mutations), mapping, at(0)),
            mapping.knownWorkloads,
          );
        }),
        {
          numRuns: 500,
          // Found by this property (see the severity tests): pinned so it fails every run, not one in two.
          examples: [[alertmanagerPayload([alertmanagerAlert({ labels: { severity: 'constructor' } })]), []]],
        },
      );
    });

    it('produces signals that the decide function accepts back from the queue', () => {
      // Any payload of valid alerts (times from 2000 to 2099, any offset): the envelope the ingest
      // function queues must parse as a signal envelope on the other side.
      const config = aConfig();
      const time = fc
        .record({
          instant: fc.date({
            min: new Date('2000-01-02T00:00:00Z'),
            max: new Date('2099-12-30T00:00:00Z'),
            noInvalidDate: true,
          }),
          offsetMinutes: fc.integer({ min: -12 * 60, max: 14 * 60 }),
        })
        .map(({ instant, offsetMinutes }) => rfc3339(instant, offsetMinutes));
      const alert = fc.record({
        status: fc.constantFrom('firing' as const, 'resolved' as const),
        workload: fc.constantFrom('checkout-api', 'search-api'),
        startsAt: time,
        endsAt: fc.oneof(time, fc.constant('0001-01-01T00:00:00Z')),
        fingerprint: fc.option(fc.stringMatching(/^[0-9a-f]{16}$/), { nil: null }),
        severity: fc.option(fc.stringMatching(/^[A-Za-z]{1,10}$/), { nil: undefined }),
      });
      fc.assert(
        fc.property(fc.array(alert, { minLength: 1, maxLength: 5 }), (alerts) => {
          const body = alertmanagerPayload(
            alerts.map((a) =>
              alertmanagerAlert({
                status: a.status,
                labels: { workload: a.workload, severity: a.severity },
                startsAt: a.startsAt,
                endsAt: a.endsAt,
                fingerprint: a.fingerprint,
              }),
            ),
          );
          const signals = signalsOf(normaliseAlertmanager(body, mapping, new Date('2099-12-31T00:00:00Z')));
          expect(signals).toHaveLength(alerts.length);
          for (const signal of signals) {
            expect(parseQueueMessage(JSON.stringify(envelopeOf(signal)), config)).toEqual({
              ok: true,
              signals: [signal],
            });
          }
        }),
      );
    });
  });
});

/** `2026-03-01T13:00:00.000+01:00`: an instant written in another time zone, as RFC 3339 allows. */
function rfc3339(instant: Date, offsetMinutes: number): string {
  const local = new Date(instant.getTime() + offsetMinutes * 60_000).toISOString().slice(0, -1);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}
