import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { narrate, narrateBatch, narratingLog } from '../../../src/local/narrator';

const TASK = 'arn:aws:ecs:us-west-2:000000000000:task/spillway-local/9d0b35450c2f4e1a';

describe('narrate: the make run terminal, one line per thing that happened', () => {
  it('tells a decision by workload, action and the policy reason', () => {
    expect(
      narrate('decide', 'info', 'decision', {
        workload: 'checkout-api',
        action: 'scale_out',
        reason: '1 alert(s) firing (alertmanager:abc): start 2 in us-west-2',
        signals: 1,
      }),
    ).toBe('checkout-api: scale out: 1 alert(s) firing (alertmanager:abc): start 2 in us-west-2');
  });

  it('keeps quiet about a periodic evaluation that held without any signal', () => {
    expect(
      narrate('reconcile', 'info', 'decision', {
        workload: 'a',
        action: 'hold',
        reason: 'quiet',
        signals: 0,
      }),
    ).toBeUndefined();
  });

  it('tells tasks started, drains started and succeeded, and a breaker opening', () => {
    expect(
      narrate('decide', 'info', 'burst tasks started', {
        workload: 'checkout-api',
        region: 'us-west-2',
        started: 2,
        spot: 1,
      }),
    ).toBe('checkout-api: 2 tasks started in us-west-2 (1 Spot)');
    expect(
      narrate('decide', 'info', 'drain started', {
        workload: 'checkout-api',
        region: 'us-west-2',
        taskArn: TASK,
        drainSeconds: 30,
        alreadyStarted: false,
      }),
    ).toBe('checkout-api: drain started for us-west-2/9d0b3545 (stops it after 30 s)');
    expect(
      narrate('reconcile', 'info', 'drain succeeded', {
        workload: 'checkout-api',
        region: 'us-west-2',
        taskArn: TASK,
      }),
    ).toBe('checkout-api: drain succeeded, us-west-2/9d0b3545 stopped');
    expect(
      narrate('decide', 'warn', 'launch breaker opened', {
        region: 'eu-west-1',
        reason: 'capacity',
        until: '2030-01-01T00:05:00.000Z',
      }),
    ).toBe('launch breaker OPEN in eu-west-1 until 2030-01-01T00:05:00.000Z: capacity');
  });

  it('prints any other warning with its fields, and drops any other info message', () => {
    expect(
      narrate('decide', 'error', 'unprocessable message', { messageId: 'm-1', reason: 'not JSON' }),
    ).toBe('decide error: unprocessable message (messageId=m-1 reason=not JSON)');
    expect(narrate('reconcile', 'info', 'task state change', { workload: 'a' })).toBeUndefined();
  });

  it('writes nothing for what it does not narrate, as a Log port', () => {
    const lines: string[] = [];
    const log = narratingLog('decide', (line) => lines.push(line));

    log.info('task state change', { workload: 'a' });
    log.info('drain cancelled', { workload: 'a', region: 'us-west-2', taskArn: TASK });

    expect(lines).toEqual(['a: drain of us-west-2/9d0b3545 cancelled: pressure came back']);
  });
});

/** A decide batch: one queued signal of checkout-api from alertmanager, then any other bodies. */
const batchOf = (signal: Record<string, unknown>, ...bodies: string[]) =>
  ({
    Records: [
      {
        body: JSON.stringify({
          kind: 'signals',
          version: 1,
          workload: 'checkout-api',
          signals: [
            {
              source: 'alertmanager',
              workload: 'checkout-api',
              alertKey: 'alertmanager:abc',
              state: 'firing',
              ...signal,
            },
          ],
        }),
      },
      ...bodies.map((body) => ({ body })),
    ],
  }) as unknown as SQSEvent;

describe('narrateBatch', () => {
  it('names each signal of a queued batch with its alert, summary and workload', () => {
    const event = batchOf({ summary: 'request rate above capacity' }, 'not json');

    expect(narrateBatch(event)).toEqual([
      'signal in: alertmanager firing alertmanager:abc "request rate above capacity" for checkout-api',
    ]);
  });

  it('names the alert as people call it, with its key after it', () => {
    const event = batchOf({ name: 'CheckoutLatencyHigh' });

    expect(narrateBatch(event)).toEqual([
      'signal in: alertmanager firing CheckoutLatencyHigh (alertmanager:abc) for checkout-api',
    ]);
  });
});
