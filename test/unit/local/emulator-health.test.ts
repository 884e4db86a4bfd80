import { describe, expect, it } from 'vitest';
import { networkSeed } from '../../../src/local/burst-network';
import { classifyProbeError } from '../../../src/local/emulator-health';

const named = (name: string, fields: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, ...fields });

describe('classifying what a probe of the emulator ran into', () => {
  it('calls a refused connection down: nothing listens on the port', () => {
    // Act / Assess
    expect(classifyProbeError(named('Error', { code: 'ECONNREFUSED', $metadata: { attempts: 1 } }))).toBe(
      'down',
    );
    expect(classifyProbeError(new AggregateError([named('Error', { code: 'ECONNREFUSED' })]))).toBe('down');
  });

  it('calls a missing signals queue or state table empty: the emulator restarted and kept nothing', () => {
    expect(classifyProbeError(named('QueueDoesNotExist'))).toBe('empty');
    expect(classifyProbeError(named('AWS.SimpleQueueService.NonExistentQueue'))).toBe('empty');
    expect(classifyProbeError(named('ResourceNotFoundException'))).toBe('empty');
  });

  it('calls timeouts, resets and throttling unknown, so a busy emulator is left alone', () => {
    expect(classifyProbeError(named('TimeoutError'))).toBe('unknown');
    expect(classifyProbeError(named('Error', { code: 'ECONNRESET' }))).toBe('unknown');
    expect(classifyProbeError(named('ThrottlingException'))).toBe('unknown');
    expect(classifyProbeError('not an error')).toBe('unknown');
  });
});

describe('the seed of a burst region network', () => {
  it('is the same number on every run, and differs between regions', () => {
    // Assess: moto takes a 31-bit seed; regions get their own so their ids do not collide.
    expect(networkSeed('us-west-2')).toBe(networkSeed('us-west-2'));
    expect(networkSeed('us-west-2')).not.toBe(networkSeed('eu-west-1'));
    expect(networkSeed('us-west-2')).toBeGreaterThanOrEqual(0);
    expect(networkSeed('us-west-2')).toBeLessThan(2 ** 31);
  });
});
