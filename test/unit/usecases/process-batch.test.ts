import { describe, expect, it } from 'vitest';
import { processBatch } from '../../../src/usecases/process-batch';
import { alarmEvent, envelopeOf, firing, queueMessage, T0_ISO } from '../factories';
import { fakeDecideDeps } from '../fakes';

const checkoutFiring = (alertKey: string, observedAt: number) =>
  envelopeOf(firing(alertKey, observedAt, { workload: 'checkout-api' }));
const searchFiring = (alertKey: string, observedAt: number) =>
  envelopeOf(firing(alertKey, observedAt, { workload: 'search-api' }));

describe('processBatch', () => {
  it('acknowledges a healthy batch and makes one decision per workload', async () => {
    // Prepare
    const deps = fakeDecideDeps();
    const batch = [
      queueMessage('m1', checkoutFiring('alertmanager:a', -20)),
      queueMessage('m2', checkoutFiring('alertmanager:b', -10)),
      queueMessage('m3', searchFiring('alertmanager:c', -5)),
    ];

    // Act
    const failed = await processBatch(batch, deps);

    // Assess
    expect(failed).toEqual([]);
    const decisions = deps.store.committedDecisions.map((d) => [d.workload, d.action.kind, d.signals.length]);
    expect(decisions).toEqual([
      ['checkout-api', 'scale_out', 2],
      ['search-api', 'scale_out', 1],
    ]);
  });

  it('fails a poison message alone and logs why', async () => {
    // Prepare
    const deps = fakeDecideDeps();
    const batch = [
      queueMessage('m1', checkoutFiring('alertmanager:a', -20)),
      queueMessage('m2', 'this is not JSON'),
      queueMessage('m3', searchFiring('alertmanager:c', -5)),
    ];

    // Act
    const failed = await processBatch(batch, deps);

    // Assess
    expect(failed).toEqual(['m2']);
    expect(deps.store.committedDecisions.map((d) => d.workload)).toEqual(['checkout-api', 'search-api']);
    const [entry] = deps.log.entries.filter((e) => e.level === 'error');
    expect(entry?.message).toBe('unprocessable message');
    expect(entry?.fields?.messageId).toBe('m2');
    expect(entry?.fields?.reason).toMatch(/^message body is not JSON: /);
  });

  it('fails only the messages of the workload whose processing throws', async () => {
    // Prepare
    const deps = fakeDecideDeps();
    deps.store.failingLoads.add('search-api');
    const batch = [
      queueMessage('m1', checkoutFiring('alertmanager:a', -20)),
      queueMessage('m2', searchFiring('alertmanager:c', -5)),
      queueMessage('m3', checkoutFiring('alertmanager:b', -10)),
      queueMessage('m4', searchFiring('alertmanager:d', -4)),
    ];

    // Act
    const failed = await processBatch(batch, deps);

    // Assess
    expect(failed).toEqual(['m2', 'm4']);
    expect(deps.store.get('checkout-api').pendingLaunches).toEqual([]);
    expect(Object.keys(deps.store.get('checkout-api').tasks)).toHaveLength(2);
    expect(deps.log.entries.filter((e) => e.level === 'error')).toEqual([
      {
        level: 'error',
        message: 'workload not processed; its messages will be retried',
        fields: {
          workload: 'search-api',
          messageIds: ['m2', 'm4'],
          error: 'dynamodb GetItem failed: table unavailable (search-api)',
        },
      },
    ]);
  });

  it('remembers why each failed message failed, for the dead-letter queue listing', async () => {
    // Prepare
    const deps = fakeDecideDeps();
    deps.store.failingLoads.add('search-api');
    const batch = [
      queueMessage('m1', 'this is not JSON'),
      queueMessage('m2', searchFiring('alertmanager:c', -5)),
      queueMessage('m3', checkoutFiring('alertmanager:a', -20)),
    ];

    // Act
    await processBatch(batch, deps);

    // Assess
    expect(deps.store.messageFailures.map((f) => [f.messageId, f.at])).toEqual([
      ['m1', T0_ISO],
      ['m2', T0_ISO],
    ]);
    expect(deps.store.messageFailures[0]?.reason).toMatch(/^message body is not JSON: /);
    expect(deps.store.messageFailures[1]?.reason).toBe(
      'workload search-api: dynamodb GetItem failed: table unavailable (search-api)',
    );
  });

  it('still reports the failed messages when their reasons cannot be stored', async () => {
    // Prepare
    const deps = fakeDecideDeps();
    deps.store.failMessageFailures = true;

    // Act
    const failed = await processBatch([queueMessage('m1', '{')], deps);

    // Assess
    expect(failed).toEqual(['m1']);
    expect(deps.log.messages('warn')).toEqual(['failure reason not stored']);
  });

  it('acknowledges a message that carries no signal', async () => {
    // Prepare
    const deps = fakeDecideDeps();

    // Act
    const failed = await processBatch([queueMessage('m1', alarmEvent({ value: 'INSUFFICIENT_DATA' }))], deps);

    // Assess
    expect(failed).toEqual([]);
    expect(deps.store.commits).toEqual([]);
    expect(deps.log.messages('info')).toEqual(['message carries no signal']);
  });

  it('starts no extra task when the same batch is delivered again', async () => {
    // Prepare
    const deps = fakeDecideDeps();
    const batch = [queueMessage('m1', checkoutFiring('alertmanager:a', -20))];
    await processBatch(batch, deps);
    const requestsBefore = deps.compute.requests.length;

    // Act
    deps.time.advance(3600);
    const failed = await processBatch(batch, deps);

    // Assess
    expect(failed).toEqual([]);
    expect(deps.compute.requests).toHaveLength(requestsBefore);
    expect(Object.keys(deps.store.get('checkout-api').tasks)).toHaveLength(2);
    // The re-send an hour later is written only to note the alert was seen again
    const again = [...deps.store.loggedDecisions, ...deps.store.committedDecisions].filter(
      (d) => d.at === deps.time.now().toISOString(),
    );
    expect(again.map((d) => d.action.kind)).toEqual(['ignored']);
  });

  it('retries the messages when RunTask fails after the decision was committed, and the retry launches once', async () => {
    // Prepare
    const deps = fakeDecideDeps();
    deps.compute.failCalls = 1;
    const batch = [queueMessage('m1', checkoutFiring('alertmanager:a', -20))];

    // Act
    const first = await processBatch(batch, deps);
    const second = await processBatch(batch, deps);

    // Assess
    expect(first).toEqual(['m1']);
    expect(second).toEqual([]);
    const tokens = deps.compute.requests.map((r) => r.clientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).toBe(tokens[0]);
    expect(Object.keys(deps.store.get('checkout-api').tasks)).toHaveLength(2);
  });
});
