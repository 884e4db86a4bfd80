import { describe, expect, it } from 'vitest';
import { parseQueueMessage } from '../../../src/usecases/parse-queue-message';
import {
  aCommand,
  aConfig,
  alarmEvent,
  alertmanagerAlert,
  alertmanagerPayload,
  envelopeOf,
  firing,
} from '../factories';

const config = aConfig();

describe('parseQueueMessage', () => {
  it('reads a signal envelope from the ingest function', () => {
    // Prepare
    const signal = firing('alertmanager:fp-latency', -10);

    // Act
    const parsed = parseQueueMessage(JSON.stringify(envelopeOf(signal)), config);

    // Assess
    expect(parsed).toEqual({ ok: true, signals: [signal] });
  });

  it("reads a batch envelope: one workload's signals from one delivery", () => {
    // Prepare
    const signals = [firing('alertmanager:fp-a', -10), firing('alertmanager:fp-b', -5)];
    const body = JSON.stringify({ kind: 'signals', version: 1, workload: 'checkout-api', signals });

    // Act
    const parsed = parseQueueMessage(body, config);

    // Assess
    expect(parsed).toEqual({ ok: true, signals });
  });

  it('refuses a batch envelope naming an unknown workload in any of its signals', () => {
    const signals = [
      firing('alertmanager:fp-a', -10),
      { ...firing('alertmanager:fp-b', -5), workload: 'ledger' },
    ];
    const body = JSON.stringify({ kind: 'signals', version: 1, workload: 'checkout-api', signals });
    expect(parseQueueMessage(body, config)).toEqual({
      ok: false,
      reason: 'signal names unknown workload ledger',
    });
  });

  it('drops fields a signal does not have', () => {
    // Prepare
    const signal = firing('alertmanager:fp-latency', -10);
    const body = JSON.stringify({ ...envelopeOf(signal), signal: { ...signal, injected: 'x' } });

    // Act
    const parsed = parseQueueMessage(body, config);

    // Assess
    expect(parsed).toEqual({ ok: true, signals: [signal] });
  });

  it('normalises a CloudWatch alarm event that EventBridge put on the queue directly', () => {
    // Act
    const parsed = parseQueueMessage(JSON.stringify(alarmEvent({ value: 'OK' })), config);

    // Assess
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && parsed.signals.map((s) => [s.source, s.workload, s.state])).toEqual([
      ['cloudwatch', 'checkout-api', 'resolved'],
    ]);
  });

  it('accepts an INSUFFICIENT_DATA alarm event with no signal and a note saying why', () => {
    // Act
    const parsed = parseQueueMessage(JSON.stringify(alarmEvent({ value: 'INSUFFICIENT_DATA' })), config);

    // Assess
    expect(parsed).toEqual({
      ok: true,
      signals: [],
      note: 'checkout-api-latency-p99: INSUFFICIENT_DATA is not a pressure signal',
    });
  });

  describe('poison messages', () => {
    it('refuses a body that is not JSON', () => {
      const parsed = parseQueueMessage('{"kind":', config);
      expect(parsed.ok).toBe(false);
      expect(!parsed.ok && parsed.reason).toMatch(/^message body is not JSON: /);
    });

    it('refuses an envelope of another version, naming the field', () => {
      const body = JSON.stringify({ ...envelopeOf(firing('a', 0)), version: 2 });
      const parsed = parseQueueMessage(body, config);
      expect(!parsed.ok && parsed.reason).toMatch(/^not a signal envelope: version: /);
    });

    it('refuses a signal with a bad time, naming the field', () => {
      const signal = { ...firing('a', 0), observedAt: 'now' };
      const parsed = parseQueueMessage(JSON.stringify({ kind: 'signal', version: 1, signal }), config);
      expect(!parsed.ok && parsed.reason).toMatch(/^not a signal envelope: signal\.observedAt: /);
    });

    it('refuses a signal for a workload that is not configured', () => {
      const parsed = parseQueueMessage(
        JSON.stringify(envelopeOf(firing('a', 0, { workload: 'ledger' }))),
        config,
      );
      expect(parsed).toEqual({ ok: false, reason: 'signal names unknown workload ledger' });
    });

    it('refuses an alarm event no mapping covers', () => {
      const parsed = parseQueueMessage(
        JSON.stringify(alarmEvent({ alarmName: 'billing-api-errors' })),
        config,
      );
      expect(parsed).toEqual({
        ok: false,
        reason: 'no workload is mapped to alarm billing-api-errors (unknown_workload)',
      });
    });

    it('gives every wrong field its English reason, in the order of the schema, for the dead-letter record', () => {
      // Prepare: zod/mini has no messages of its own, so these pin the English the parser supplies.
      const signal = firing('a', 0);
      const bodies = [
        { ...envelopeOf(signal), version: 2 },
        { kind: 'signals', version: 1, workload: 'checkout-api', signals: [] },
        {
          kind: 'signal',
          version: 1,
          signal: { ...signal, id: '', severity: 'page', value: 'high', observedAt: '2026-03-01T12:00:00' },
        },
        {
          kind: 'command',
          version: 1,
          command: { ...aCommand({ action: 'burst' }), count: 1.5, id: 'bad id!', extra: 1 },
        },
        {
          kind: 'command',
          version: 1,
          command: { ...aCommand({ action: 'drain' }), count: 1001, reason: `  ${'r'.repeat(501)}` },
        },
        { kind: 'commands', version: 1 },
      ];

      // Act
      const reasons = bodies.map((body) => {
        const parsed = parseQueueMessage(JSON.stringify(body), config);
        return parsed.ok ? parsed : parsed.reason;
      });

      // Assess
      expect(reasons).toEqual([
        'not a signal envelope: version: Invalid input: expected 1',
        'not a signal envelope: signals: Too small: expected array to have >=1 items',
        'not a signal envelope: signal.id: Too small: expected string to have >=1 characters; signal.severity: Invalid option: expected one of "info"|"warning"|"critical"; signal.value: Invalid input: expected number, received string; signal.observedAt: Invalid ISO datetime',
        'not a signal envelope: command.id: must be 1-128 letters, digits or + = . : _ / @ -; command.count: Invalid input: expected int, received number; command: Unrecognized key: "extra"',
        'not a signal envelope: command.count: Too big: expected number to be <=1000; command.reason: Too big: expected string to have <=500 characters',
        "not a signal envelope: kind: Invalid discriminator value. Expected 'signal' | 'signals' | 'command' | 'heartbeat'",
      ]);
    });

    it('refuses a raw Alertmanager payload (it must come through the ingest function)', () => {
      const parsed = parseQueueMessage(JSON.stringify(alertmanagerPayload([alertmanagerAlert()])), config);
      expect(!parsed.ok && parsed.reason).toMatch(/^not a signal envelope: kind: /);
    });
  });
});
