/**
 * The signals queue as SQS standard queues behave: at-least-once (a received message comes back
 * after its visibility timeout unless deleted, and may be delivered twice), no ordering, and a
 * redrive policy that moves a message to the dead-letter queue once it has been received
 * `maxReceiveCount` times without being deleted.
 */
export interface SimMessage {
  readonly messageId: string;
  readonly body: string;
  receiveCount: number;
  /** Epoch ms from which the message can be received again. */
  visibleAt: number;
}

export interface DeadLetter {
  readonly messageId: string;
  readonly body: string;
  readonly receiveCount: number;
}

export class SimQueue {
  readonly messages: SimMessage[] = [];
  readonly deadLetters: DeadLetter[] = [];
  private sent = 0;

  constructor(
    private readonly options: { readonly visibilitySeconds: number; readonly maxReceiveCount: number },
  ) {}

  send(body: string): string {
    const messageId = `m-${String(++this.sent).padStart(6, '0')}`;
    this.messages.push({ messageId, body, receiveCount: 0, visibleAt: 0 });
    return messageId;
  }

  /**
   * Up to `max` visible messages, in an order `pick` chooses (SQS standard queues do not keep
   * order). A message past its receive count goes to the dead-letter queue instead, as the redrive
   * policy moves it when it would be received once more.
   */
  receive(max: number, now: number, pick: (n: number) => number): SimMessage[] {
    const visible = this.messages.filter((m) => m.visibleAt <= now);
    const batch: SimMessage[] = [];
    while (batch.length < max && visible.length > 0) {
      const [message] = visible.splice(pick(visible.length), 1) as [SimMessage];
      if (message.receiveCount >= this.options.maxReceiveCount) {
        this.remove(message.messageId);
        this.deadLetters.push({
          messageId: message.messageId,
          body: message.body,
          receiveCount: message.receiveCount,
        });
        continue;
      }
      message.receiveCount++;
      message.visibleAt = now + this.options.visibilitySeconds * 1000;
      batch.push(message);
    }
    return batch;
  }

  delete(messageId: string): void {
    this.remove(messageId);
  }

  /** At-least-once: a message still in flight becomes visible again at once (a second delivery). */
  redeliver(index: number, now: number): string | undefined {
    const inFlight = this.messages.filter((m) => m.visibleAt > now);
    const message = inFlight[index % Math.max(inFlight.length, 1)];
    if (!message) return undefined;
    message.visibleAt = now;
    return message.messageId;
  }

  /** Messages in the queue or in flight. */
  get depth(): number {
    return this.messages.length;
  }

  private remove(messageId: string): void {
    const index = this.messages.findIndex((m) => m.messageId === messageId);
    if (index >= 0) this.messages.splice(index, 1);
  }
}
