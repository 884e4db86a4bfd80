import type { OperatorCommand } from '../core/command';
import type { Heartbeat, Signal } from '../core/signal';
import { applySignals } from './apply-signals';
import { forEachConcurrently } from './concurrently';
import { parseQueueMessage } from './parse-queue-message';
import type { DecideDeps } from './ports';
import { recordHeartbeat } from './record-heartbeat';
import { startDrill } from './start-drill';

/** Workloads of one batch processed at once; each has its own state item, so they never contend. */
export const WORKLOADS_IN_PARALLEL = 4;

/**
 * Concurrent decide invocations the signals queue feeds: the event source's maximum concurrency
 * on AWS (infra/constructs/control-plane-stateful.ts), and the batches the local runtime hands
 * the decide function at once. Signals are coalesced per workload within a batch, so more
 * deciders mostly add conditional-write conflicts on the same states and RunTask calls that,
 * each paced on its own, together exceed Fargate's per-region quotas. A burst of signals waits on
 * the queue instead, which is what it is for.
 */
export const DECIDE_BATCHES_AT_ONCE = 5;

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
    { signals: Signal[]; commands: OperatorCommand[]; drills: OperatorCommand[]; messageIds: string[] }
  >();
  const groupOf = (workload: string, messageId: string) => {
    const group = byWorkload.get(workload) ?? { signals: [], commands: [], drills: [], messageIds: [] };
    if (!group.messageIds.includes(messageId)) group.messageIds.push(messageId);
    byWorkload.set(workload, group);
    return group;
  };
  const heartbeats: { messageId: string; heartbeats: readonly Heartbeat[] }[] = [];
  for (const message of messages) {
    const parsed = parseQueueMessage(message.body, deps.config, deps.clock());
    if (!parsed.ok) {
      // Never acknowledged: after maxReceiveCount attempts SQS moves it to the dead-letter queue.
      deps.log.error('unprocessable message', { messageId: message.messageId, reason: parsed.reason });
      failed.push(message.messageId);
      reasons.set(message.messageId, parsed.reason);
      continue;
    }
    if (parsed.heartbeats && parsed.heartbeats.length > 0) {
      heartbeats.push({ messageId: message.messageId, heartbeats: parsed.heartbeats });
      continue;
    }
    const commands = parsed.commands ?? [];
    if (parsed.signals.length === 0 && commands.length === 0) {
      deps.log.info('message carries no signal', { messageId: message.messageId, note: parsed.note });
      continue;
    }
    for (const signal of parsed.signals) groupOf(signal.workload, message.messageId).signals.push(signal);
    // Commands join their workload's signals: one decision sees both, under one conditional write.
    // A drill is no decision of the policy's: it is carried out beside it (start-drill.ts).
    for (const command of commands) {
      const group = groupOf(command.workload, message.messageId);
      (command.action === 'drill' ? group.drills : group.commands).push(command);
    }
  }
  await forEachConcurrently([...byWorkload], WORKLOADS_IN_PARALLEL, async ([name, group]) => {
    const workload = deps.config.workloads.find((w) => w.name === name);
    if (!workload) {
      failed.push(...group.messageIds);
      for (const id of group.messageIds) reasons.set(id, `unknown workload ${name}`);
      return;
    }
    try {
      if (group.signals.length > 0 || group.commands.length > 0)
        await applySignals(workload, group.signals, deps, group.commands);
      for (const drill of group.drills) await startDrill(workload, drill, deps);
    } catch (error) {
      // A permanent failure (an unreadable state item) is retried all the same, until the queue
      // dead-letters the messages: the log says which, so nobody waits for a retry to heal it.
      const permanent = (error as { retryable?: unknown }).retryable === false;
      deps.log.error(
        permanent
          ? 'workload not processed, and retrying will not help: its messages go to the dead-letter queue once their receives run out'
          : 'workload not processed; its messages will be retried',
        { workload: name, messageIds: group.messageIds, error: (error as Error).message },
      );
      failed.push(...group.messageIds.filter((id) => !failed.includes(id)));
      for (const id of group.messageIds) reasons.set(id, `workload ${name}: ${(error as Error).message}`);
    }
  });
  await recordHeartbeats(heartbeats, deps, failed, reasons);
  await rememberReasons(reasons, deps);
  return failed;
}

/** Heartbeats touch their site's item only; one that cannot be recorded is retried like a signal. */
async function recordHeartbeats(
  messages: readonly { messageId: string; heartbeats: readonly Heartbeat[] }[],
  deps: DecideDeps,
  failed: string[],
  reasons: Map<string, string>,
): Promise<void> {
  const { sites } = deps;
  if (messages.length === 0) return;
  if (!sites) {
    deps.log.warn('heartbeats not recorded: no site store wired', { messages: messages.length });
    return;
  }
  for (const { messageId, heartbeats } of messages) {
    try {
      for (const heartbeat of heartbeats) await recordHeartbeat(heartbeat, { ...deps, sites });
    } catch (error) {
      deps.log.error('heartbeat not recorded; it will be retried', {
        messageId,
        error: (error as Error).message,
      });
      failed.push(messageId);
      reasons.set(messageId, `heartbeat: ${(error as Error).message}`);
    }
  }
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
