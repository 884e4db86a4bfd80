import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import type { CommandAction, OperatorCommand } from '../core/command';
import type { CommandEnvelope } from '../core/signal';

/** What the CLI asks for; the id and issue time are filled in here unless given. */
export interface CommandRequest {
  readonly workload: string;
  readonly action: CommandAction;
  readonly reason: string;
  readonly count?: number;
  readonly requestedBy?: string;
  readonly until?: string;
  readonly id?: string;
  readonly issuedAt?: Date;
}

export class CommandError extends Error {
  override readonly name = 'CommandError';
}

/** The decide function's limits (src/usecases/parse-queue-message.ts), checked here first. */
export const MAX_COUNT = 1000;
export const MAX_REASON_LENGTH = 500;
/** The actions that take `--until`: a pause and an evacuation end by themselves then. */
export const UNTIL_ACTIONS: readonly CommandAction[] = ['pause', 'evacuate'];

const isoTime = z.iso.datetime({ offset: true });

/** An ISO-8601 date-time with a zone, as the queue accepts it; `Date.parse` alone takes too much. */
export function isIsoTime(text: string): boolean {
  return isoTime.safeParse(text).success;
}

/** Builds the command, refusing what the decide function would dead-letter, so the operator hears at once. */
export function buildCommand(request: CommandRequest): OperatorCommand {
  const counted = request.action === 'burst' || request.action === 'drain';
  const issuedAt = request.issuedAt ?? new Date();
  if (
    counted &&
    (request.count === undefined ||
      !Number.isInteger(request.count) ||
      request.count < 1 ||
      request.count > MAX_COUNT)
  )
    throw new CommandError(
      `${request.action} needs a whole number of tasks from 1 to ${MAX_COUNT}, not ${request.count}`,
    );
  const reason = request.reason.trim();
  if (reason === '') throw new CommandError('--reason is required');
  if (reason.length > MAX_REASON_LENGTH)
    throw new CommandError(`--reason is ${reason.length} characters; at most ${MAX_REASON_LENGTH}`);
  if (request.until !== undefined) {
    if (!UNTIL_ACTIONS.includes(request.action))
      throw new CommandError(`--until applies to ${UNTIL_ACTIONS.join(' and ')} only, not ${request.action}`);
    if (!isIsoTime(request.until))
      throw new CommandError(
        `--until must be an ISO-8601 time with a zone such as 2026-11-28T06:00:00Z, not '${request.until}'`,
      );
    if (Date.parse(request.until) <= issuedAt.getTime())
      throw new CommandError(`--until ${request.until} is not in the future (now ${issuedAt.toISOString()})`);
  }
  return {
    id: request.id ?? `cmd-${randomUUID()}`,
    workload: request.workload,
    action: request.action,
    ...(counted ? { count: request.count } : {}),
    reason,
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
    ...(request.until !== undefined ? { until: new Date(request.until).toISOString() } : {}),
    issuedAt: issuedAt.toISOString(),
  };
}

/**
 * Puts one operator command on the signals queue, where the decide function applies it like a
 * signal. Sending the same command (same id) again is harmless: the policy remembers applied ids.
 */
export async function sendCommand(
  sqs: Pick<SQSClient, 'send'>,
  queueUrl: string,
  command: OperatorCommand,
): Promise<OperatorCommand> {
  const envelope: CommandEnvelope = { kind: 'command', version: 1, command };
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(envelope),
      MessageAttributes: {
        workload: { DataType: 'String', StringValue: command.workload },
        source: { DataType: 'String', StringValue: 'operator' },
      },
    }),
  );
  return command;
}
