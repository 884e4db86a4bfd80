import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { StateStore } from '../adapters/state-store';

export interface DeadLetter {
  readonly messageId: string;
  readonly receiveCount: string;
  readonly sentAt: string;
  readonly summary: string;
  readonly reason: string;
}

/** One line about what a message carries, without printing whole payloads. */
export function summarise(body: string): string {
  try {
    const document = JSON.parse(body) as Record<string, unknown>;
    const signal = document.signal as Record<string, unknown> | undefined;
    if (signal)
      return `signal ${String(signal.state)} for ${String(signal.workload)} from ${String(signal.source)}`;
    const command = document.command as Record<string, unknown> | undefined;
    if (document.kind === 'command' && command) {
      return `command ${String(command.action)} for ${String(command.workload)} (${String(command.id)})`;
    }
    if (document.kind === 'signals' && Array.isArray(document.signals)) {
      const signals = document.signals as Record<string, unknown>[];
      const firing = signals.filter((s) => s.state === 'firing').length;
      return `${signals.length} signal(s) for ${String(document.workload)} (${firing} firing) from ${String(signals[0]?.source)}`;
    }
    const heartbeat = document.heartbeat as Record<string, unknown> | undefined;
    if (document.kind === 'heartbeat' && heartbeat)
      return `heartbeat of site ${String(heartbeat.site)} at ${String(heartbeat.at)} (${String(heartbeat.source)})`;
    if (document.source === 'aws.cloudwatch') {
      const detail = document.detail as Record<string, unknown> | undefined;
      return `CloudWatch alarm ${String(detail?.alarmName)}`;
    }
    return `JSON with keys ${Object.keys(document).slice(0, 5).join(', ')}`;
  } catch {
    return `not JSON: ${body.slice(0, 60)}`;
  }
}

/** Every message in the dead-letter queue, each with the reason recorded when it failed. */
export async function listDeadLetters(
  sqs: SQSClient,
  dlqUrl: string,
  store: Pick<StateStore, 'messageFailures'>,
) {
  const seen = new Map<string, Message>();
  for (let round = 0; round < 20; round++) {
    // A short visibility timeout: listing must not hide messages from a redrive for long.
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 5,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const fresh = Messages.filter((m) => !seen.has(m.MessageId as string));
    if (fresh.length === 0) break;
    for (const message of fresh) seen.set(message.MessageId as string, message);
  }
  // Visible again at once, so a redrive right after a listing finds every message.
  for (const message of seen.values()) {
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: dlqUrl,
        ReceiptHandle: message.ReceiptHandle as string,
        VisibilityTimeout: 0,
      }),
    );
  }
  const reasons = await store.messageFailures([...seen.keys()]);
  return [...seen.values()].map(
    (message): DeadLetter => ({
      messageId: message.MessageId as string,
      receiveCount: message.Attributes?.ApproximateReceiveCount ?? '?',
      sentAt: message.Attributes?.SentTimestamp
        ? new Date(Number(message.Attributes.SentTimestamp)).toISOString()
        : '?',
      summary: summarise(message.Body ?? ''),
      reason: reasons.get(message.MessageId as string)?.reason ?? 'no reason recorded',
    }),
  );
}

/**
 * Moves dead letters back to the signals queue, all or the given ids. A message is deleted from
 * the dead-letter queue only after it is safely on the signals queue. With ids given, receiving
 * goes on until they are all found or the queue has nothing more to show (a receive returns at
 * most ten), and what was received but not asked for is made visible again at once.
 */
export async function redriveDeadLetters(
  sqs: SQSClient,
  dlqUrl: string,
  queueUrl: string,
  only?: ReadonlySet<string>,
): Promise<string[]> {
  const moved: string[] = [];
  const passedOver: Message[] = [];
  for (let round = 0; round < 100 && !(only && moved.length >= only.size); round++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 30,
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) break;
    for (const message of Messages) {
      if (only && !only.has(message.MessageId as string)) {
        passedOver.push(message);
        continue;
      }
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: message.Body ?? '' }));
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.ReceiptHandle as string }),
      );
      moved.push(message.MessageId as string);
    }
  }
  for (const message of passedOver) {
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: dlqUrl,
        ReceiptHandle: message.ReceiptHandle as string,
        VisibilityTimeout: 0,
      }),
    );
  }
  return moved;
}
