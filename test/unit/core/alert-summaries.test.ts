import { describe, expect, it } from 'vitest';
import { MAX_KEPT_SUMMARY, MAX_SUMMARISED_ALERTS } from '../../../src/core/memory';
import { decide } from '../../../src/core/policy';
import { parseQueueMessage } from '../../../src/usecases/parse-queue-message';
import { aConfig, aState, at, aWorkload, firing, resolved } from '../factories';

const workload = aWorkload({ maxBurstTasks: 5 });

describe('what the state keeps of a firing alert for status and the page', () => {
  it('keeps the summary the sender wrote while the alert fires', () => {
    // Act
    const { next } = decide({
      workload,
      state: aState(),
      signals: [{ ...firing('alertmanager:fp-latency', -5), summary: 'p99 latency above 2 s' }],
      now: at(0),
    });

    // Assess
    expect(next.alerts['alertmanager:fp-latency']?.summary).toBe('p99 latency above 2 s');
  });

  it('keeps the name people call the alert by, with its summary, through the queue', () => {
    // Prepare: the signal as the decide function reads it back from the queue
    const sent = {
      ...firing('alertmanager:fp-latency', -5),
      summary: 'p99 above 2 s',
      name: 'CheckoutLatencyHigh',
    };
    const parsed = parseQueueMessage(
      JSON.stringify({ kind: 'signals', version: 1, workload: 'checkout-api', signals: [sent] }),
      aConfig(),
      at(0),
    );
    if (!parsed.ok) throw new Error(parsed.reason);

    // Act
    const { next } = decide({ workload, state: aState(), signals: parsed.signals, now: at(0) });

    // Assess
    expect(next.alerts['alertmanager:fp-latency']).toMatchObject({
      name: 'CheckoutLatencyHigh',
      summary: 'p99 above 2 s',
    });
  });

  it('names the alert by its name in the decision log, with its key', () => {
    // Act
    const { decision } = decide({
      workload,
      state: aState(),
      signals: [{ ...firing('alertmanager:fp-latency', -5), name: 'CheckoutLatencyHigh' }],
      now: at(0),
    });

    // Assess
    expect(decision.reason).toContain('1 alert(s) firing (CheckoutLatencyHigh (alertmanager:fp-latency))');
  });

  it('cuts a long summary to the kept length at a character boundary, saying it was cut', () => {
    // Prepare: astral characters are two UTF-16 units each, so a naive cut would split one
    const long = '🔥'.repeat(100);

    // Act
    const { next } = decide({
      workload,
      state: aState(),
      signals: [{ ...firing('alertmanager:fp-latency', -5), summary: long }],
      now: at(0),
    });

    // Assess
    const kept = next.alerts['alertmanager:fp-latency']?.summary ?? '';
    expect(kept.length).toBeLessThanOrEqual(MAX_KEPT_SUMMARY);
    expect(kept.endsWith('🔥…')).toBe(true);
    // A lone surrogate would not survive UTF-8 (DynamoDB stores UTF-8)
    expect(Buffer.from(kept, 'utf8').toString('utf8')).toBe(kept);
  });

  it('drops the summary once the alert resolves', () => {
    // Prepare
    const fired = decide({
      workload,
      state: aState(),
      signals: [{ ...firing('alertmanager:fp-latency', -5), summary: 'p99 latency above 2 s' }],
      now: at(0),
    }).next;

    // Act
    const { next } = decide({
      workload,
      state: fired,
      signals: [resolved('alertmanager:fp-latency', 10)],
      now: at(20),
    });

    // Assess
    expect(next.alerts['alertmanager:fp-latency']?.state).toBe('resolved');
    expect(next.alerts['alertmanager:fp-latency']?.summary).toBeUndefined();
  });

  it('gives summaries to the first alerts of a storm only, so the item stays bounded', () => {
    // Prepare
    const storm = Array.from({ length: MAX_SUMMARISED_ALERTS + 5 }, (_, i) => ({
      ...firing(`alertmanager:fp-${i}`, -5),
      summary: `alert ${i}`,
    }));

    // Act
    const { next } = decide({ workload, state: aState(), signals: storm, now: at(0) });

    // Assess
    const summarised = Object.values(next.alerts).filter((a) => a.summary !== undefined);
    expect(Object.keys(next.alerts)).toHaveLength(MAX_SUMMARISED_ALERTS + 5);
    expect(summarised).toHaveLength(MAX_SUMMARISED_ALERTS);
  });
});
