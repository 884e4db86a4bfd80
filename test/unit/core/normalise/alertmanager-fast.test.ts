import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertmanagerLimits, alertmanagerPayloadSchema } from '../../../../src/core/normalise/alertmanager';
import { wellFormedAlertmanager } from '../../../../src/core/normalise/alertmanager-fast';

const key = fc.string({ maxLength: 300 }).filter((k) => k !== '__proto__');
const labels = (valueLength: number) =>
  fc.dictionary(key, fc.string({ maxLength: valueLength }), { maxKeys: 4 });
const time = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const offsetTime = fc
  .tuple(time, fc.constantFrom('Z', '+02:00', '-05:30', ''))
  .map(([t, zone]) => t.replace('Z', zone));
const status = fc.constantFrom('firing', 'resolved');

/** Alerts as Alertmanager sends them, or near enough: lengths around the limits, odd time zones. */
const alert = fc.record(
  {
    status,
    labels: labels(17_000),
    annotations: labels(50),
    startsAt: offsetTime,
    endsAt: fc.oneof(offsetTime, fc.constant('0001-01-01T00:00:00Z')),
    generatorURL: fc.string(),
    fingerprint: fc.string({ maxLength: 300 }),
  },
  { requiredKeys: ['status', 'labels', 'startsAt'] },
);
const payload = fc.record(
  {
    version: fc.constant('4'),
    groupKey: fc.string(),
    truncatedAlerts: fc.nat(),
    status,
    receiver: fc.string(),
    groupLabels: labels(20),
    commonLabels: labels(20),
    commonAnnotations: labels(20),
    externalURL: fc.string(),
    alerts: fc.array(alert, { maxLength: 4 }),
  },
  { requiredKeys: ['version', 'groupKey', 'status', 'receiver', 'alerts'] },
);

/** A payload with one value somewhere replaced by any JSON value: most are wrong, some still fit. */
const mutated = fc
  .tuple(payload, fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), fc.jsonValue())
  .map(([document, path, replacement]) => {
    const copy = JSON.parse(JSON.stringify(document));
    let at: Record<string, unknown> = copy;
    for (const [depth, step] of path.entries()) {
      const keys = Object.keys(at);
      if (keys.length === 0) break;
      const name = keys[step % keys.length] as string;
      const inner = at[name];
      if (depth === path.length - 1 || typeof inner !== 'object' || inner === null) {
        at[name] = replacement;
        break;
      }
      at = inner as Record<string, unknown>;
    }
    return copy as unknown;
  });

describe('wellFormedAlertmanager', () => {
  it('gives what the schema gives whenever it answers, and answers for what Alertmanager sends', () => {
    fc.assert(
      fc.property(payload, (document) => {
        // Prepare: as it arrives, through JSON
        const body = JSON.parse(JSON.stringify(document));

        // Act
        const fast = wellFormedAlertmanager(body, alertmanagerLimits);
        const parsed = alertmanagerPayloadSchema.safeParse(body);

        // Assess
        if (parsed.success) expect(fast).toEqual(parsed.data);
        else expect(fast).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('never accepts what the schema refuses, nor accepts it differently', () => {
    fc.assert(
      fc.property(mutated, (body) => {
        // Act
        const fast = wellFormedAlertmanager(body, alertmanagerLimits);
        const parsed = alertmanagerPayloadSchema.safeParse(body);

        // Assess: undefined is always allowed (the schema then decides)
        if (fast === undefined) return;
        expect(parsed.success).toBe(true);
        expect(fast).toEqual(parsed.data);
      }),
      { numRuns: 2000 },
    );
  });
});
