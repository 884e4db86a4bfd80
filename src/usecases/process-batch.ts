import type { OperatorCommand } from '../core/command';
import type { Signal } from '../core/signal';
import { applySignals } from './apply-signals';
import { forEachConcurrently } from './concurrently';
import { parseQueueMessage } from './parse-queue-message';
import type { DecideDeps } from './ports';

/** Workloads of one batch processed at once; each has its own state item, so they never contend. */
export const WORKLOADS_IN_PARALLEL = 4;

export interface QueueMessage {
  readonly messageId: string;
  readonly body: string;
}

/**
 * Processes one SQS batch. Signals are coalesced per workload, so a storm of alerts for one
 * workload is one decision. Returns the ids of the messages that must be retried: a workload
 * that failed fails all its messages; the others are acknowledged.
 */
export async function processBatch(messages: readonly QueueMessage[], deps: DecideDeps): Promise<string[]> {
  const failed: string[] = [];
  const reasons = new Map<string, string>();
  const byWorkload = new Map<
    string,
    { signals: Signal[]; commands: OperatorCommand[]; messageIds: string[] }
  >();
  const groupOf = (workload: string, messageId: string) => {
    const group = byWorkload.get(workload) ?? { signals: [], commands: [], messageIds: [] };
    if (!group.messageIds.includes(messageId)) group.messageIds.push(messageId);
    byWorkload.set(workload, group);
    return group;
  };
  for (const message of messages) {
    const parsed = parseQueueMessage(message.body, deps.config, deps.clock());
    if (!parsed.ok) {
      // Never acknowledged: after maxReceiveCount attempts SQS moves it to the dead-letter queue.
      deps.log.error('unprocessable message', { messageId: message.messageId, reason: parsed.reason });
      failed.push(message.messageId);
      reasons.set(message.messageId, parsed.reason);
      continue;
    }
    const commands = parsed.commands ?? [];
    if (parsed.signals.length === 0 && commands.length === 0) {
      deps.log.info('message carries no signal', { messageId: message.messageId, note: parsed.note });
      continue;
    }
    for (const signal of parsed.signals) groupOf(signal.workload, message.messageId).signals.push(signal);
    // Commands join their workload's signals: one decision sees both, under one conditional write.
    for (const command of commands) groupOf(command.workload, message.messageId).commands.push(command);
  }
  await forEachConcurrently([...byWorkload], WORKLOADS_IN_PARALLEL, async ([name, group]) => {
    const workload = deps.config.workloads.find((w) => w.name === name);
    if (!workload) {
      failed.push(...group.messageIds);
      for (const id of group.messageIds) reasons.set(id, `unknown workload ${name}`);
      return;
    }
    try {
      await applySignals(workload, group.signals, deps, group.commands);
    } catch (error) {
      deps.log.error('workload not processed; its messages will be retried', {
        workload: name,
        messageIds: group.messageIds,
        error: (error as Error).message,
      });
      failed.push(...group.messageIds.filter((id) => !failed.includes(id)));
      for (const id of group.messageIds) reasons.set(id, `workload ${name}: ${(error as Error).message}`);
    }
  });
  await rememberReasons(reasons, deps);
  return failed;
}

/** Best effort: the reason helps an operator, but failing to store it must not fail the batch. */
async function rememberReasons(reasons: ReadonlyMap<string, string>, deps: DecideDeps): Promise<void> {
  const at = deps.clock();
  for (const [messageId, reason] of reasons) {
    try {
      await deps.store.recordMessageFailure(messageId, reason, at);
    } catch (error) {
      deps.log.warn('failure reason not stored', { messageId, error: (error as Error).message });
    }
  }
}
