import type { QueueEnvelope, Signal } from '../signal';

/**
 * SQS takes at most 256 KiB per message (1 MiB since 2025, but not everywhere and not every
 * emulator): a message is split below this, leaving room for message attributes.
 */
export const MAX_MESSAGE_BYTES = 250_000;

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * One queue message per workload carrying all of its signals from one delivery, so an alert storm
 * is one decision; split only where a message would pass `maxBytes`. Order within a workload is kept.
 */
export function packEnvelopes(signals: readonly Signal[], maxBytes = MAX_MESSAGE_BYTES): QueueEnvelope[] {
  const byWorkload = new Map<string, Signal[]>();
  for (const signal of signals) {
    const list = byWorkload.get(signal.workload) ?? [];
    list.push(signal);
    byWorkload.set(signal.workload, list);
  }
  const envelopes: QueueEnvelope[] = [];
  for (const [workload, list] of byWorkload) {
    const overhead = bytes({ kind: 'signals', version: 1, workload, signals: [] });
    let chunk: Signal[] = [];
    let size = overhead;
    for (const signal of list) {
      const add = bytes(signal) + 1;
      if (chunk.length > 0 && size + add > maxBytes) {
        envelopes.push({ kind: 'signals', version: 1, workload, signals: chunk });
        chunk = [];
        size = overhead;
      }
      chunk.push(signal);
      size += add;
    }
    if (chunk.length > 0) envelopes.push({ kind: 'signals', version: 1, workload, signals: chunk });
  }
  return envelopes;
}
