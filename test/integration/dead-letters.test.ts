import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters, redriveDeadLetters } from '../../src/cli/dlq';
import type { SignalEnvelope } from '../../src/core/signal';
import { eventually, type Harness, startHarness, tagValue, tasksIn } from './harness';

describe('dead-letter tooling', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.runtime.stop();
  });

  it('lists a dead letter with the reason it failed, and a redrive processes it exactly once', async () => {
    // Prepare: a valid signal that failed during an outage and was dead-lettered, with its reason.
    const { signalsDlqUrl, signalsQueueUrl } = harness.runtime.provisioned;
    const envelope: SignalEnvelope = {
      kind: 'signal',
      version: 1,
      signal: {
        id: 'sig-outage',
        source: 'alertmanager',
        workload: 'alarm-driven',
        alertKey: 'alertmanager:outage',
        state: 'firing',
        severity: 'critical',
        observedAt: new Date().toISOString(),
        dedupKey: 'alertmanager:outage-episode',
      },
    };
    const sent = await harness.sqs.send(
      new SendMessageCommand({ QueueUrl: signalsDlqUrl, MessageBody: JSON.stringify(envelope) }),
    );
    await harness.store.recordMessageFailure(
      sent.MessageId as string,
      'dynamodb GetItem failed: ServiceUnavailable',
      new Date(),
    );

    // Act
    const listed = await listDeadLetters(harness.sqs, signalsDlqUrl, harness.store);
    const moved = await redriveDeadLetters(harness.sqs, signalsDlqUrl, signalsQueueUrl);
    const movedAgain = await redriveDeadLetters(harness.sqs, signalsDlqUrl, signalsQueueUrl);

    // Assess
    expect(listed).toEqual([
      expect.objectContaining({
        messageId: sent.MessageId,
        summary: 'signal firing for alarm-driven from alertmanager',
        reason: 'dynamodb GetItem failed: ServiceUnavailable',
      }),
    ]);
    expect(moved).toEqual([sent.MessageId]);
    expect(movedAgain).toEqual([]);
    const tasks = await eventually(async () => {
      const found = (await tasksIn(harness, 'eu-west-1', 'spillway-test')).filter(
        (t) => tagValue(t, 'spillway:workload') === 'alarm-driven',
      );
      return found.length === 1 ? found : undefined;
    }, 'the redriven signal to burst once');
    expect(tasks).toHaveLength(1);
    await harness.runtime.queueIdle();
    const dlq = await harness.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: signalsDlqUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(dlq.Attributes?.ApproximateNumberOfMessages).toBe('0');
    const decisions = await harness.store.recentDecisions('alarm-driven');
    expect(decisions.filter((d) => d.action.kind === 'scale_out')).toHaveLength(1);
  });
});
