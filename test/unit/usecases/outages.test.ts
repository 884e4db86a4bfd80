import { describe, expect, it } from 'vitest';
import type { QueueMessage } from '../../../src/usecases/process-batch';
import { processBatch } from '../../../src/usecases/process-batch';
import { envelopeOf, firing, queueMessage } from '../factories';
import { type FakeDecideDeps, fakeDecideDeps } from '../fakes';

/**
 * Stands in for the SQS event source: delivers the batch, then redelivers what failed, once a
 * "visibility timeout" (a minute of fake time) has passed, until nothing fails or `rounds` run out.
 */
async function deliverUntilDone(
  batch: QueueMessage[],
  deps: FakeDecideDeps,
  rounds: number,
  onRound?: (n: number) => void,
) {
  let pending = batch;
  let round = 0;
  for (; round < rounds && pending.length > 0; round++) {
    onRound?.(round);
    const failed = new Set(await processBatch(pending, deps));
    pending = pending.filter((m) => failed.has(m.messageId));
    deps.time.advance(60);
  }
  return { remaining: pending, rounds: round };
}

const batch = () => [
  queueMessage('m1', envelopeOf(firing('alertmanager:cpu', -30, { workload: 'checkout-api' }))),
  queueMessage('m2', envelopeOf(firing('alertmanager:latency', -20, { workload: 'checkout-api' }))),
];

describe('outages: nothing acknowledged that was not acted on', () => {
  it('keeps the signals on the queue while DynamoDB is unavailable for two minutes, then acts on them exactly once', async () => {
    // Prepare: the state table fails for the first two minutes of redeliveries.
    const deps = fakeDecideDeps();
    deps.store.failingLoads.add('checkout-api');

    // Act
    const outcome = await deliverUntilDone(batch(), deps, 5, (round) => {
      if (round === 2) deps.store.failingLoads.delete('checkout-api');
    });

    // Assess: failed (not acknowledged) twice, then processed, one scale-out by the step.
    expect(outcome).toEqual({ remaining: [], rounds: 3 });
    const state = deps.store.get('checkout-api');
    expect(Object.keys(state.tasks)).toHaveLength(2); // scaleOutStep
    expect(deps.store.committedDecisions.filter((d) => d.action.kind === 'scale_out')).toHaveLength(1);
    expect(deps.store.messageFailures.map((f) => f.messageId)).toEqual(['m1', 'm2', 'm1', 'm2']);
  });

  it('starts exactly the step when RunTask is throttled three times before it succeeds', async () => {
    // Prepare
    const deps = fakeDecideDeps();
    deps.compute.failCalls = 3;

    // Act
    const outcome = await deliverUntilDone(batch(), deps, 6);

    // Assess: every retry reused the decision's clientToken; one set of tasks exists.
    expect(outcome.remaining).toEqual([]);
    expect(deps.compute.requests).toHaveLength(4);
    expect(new Set(deps.compute.requests.map((r) => r.clientToken)).size).toBe(1);
    expect(deps.compute.startedTaskArns()).toHaveLength(2); // scaleOutStep
    const state = deps.store.get('checkout-api');
    expect(Object.keys(state.tasks)).toHaveLength(2);
    expect(state.pendingLaunches).toEqual([]);
  });
});
