import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
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

/** Builds the command, refusing what the decide function would dead-letter, so the operator hears at once. */
export function buildCommand(request: CommandRequest): OperatorCommand {
  const counted = request.action === 'burst' || request.action === 'drain';
  if (counted && (request.count === undefined || !Number.isInteger(request.count) || request.count < 1))
    throw new CommandError(`${request.action} needs a whole number of tasks ≥ 1, not ${request.count}`);
  if (request.reason.trim() === '') throw new CommandError('--reason is required');
  if (request.until !== undefined && Number.isNaN(Date.parse(request.until)))
    throw new CommandError(`--until must be an ISO-8601 time, not '${request.until}'`);
  return {
    id: request.id ?? `cmd-${randomUUID()}`,
    workload: request.workload,
    action: request.action,
    ...(counted ? { count: request.count } : {}),
    reason: request.reason.trim(),
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
    ...(request.until !== undefined ? { until: new Date(request.until).toISOString() } : {}),
    issuedAt: (request.issuedAt ?? new Date()).toISOString(),
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
