import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import {
  COMMAND_MAX_COUNT,
  COMMAND_REASON_MAX,
  type CommandAction,
  type OperatorCommand,
  UNTIL_ACTIONS,
} from '../core/command';
import type { DecideEnvelope } from '../core/signal';
import { commandIssues } from './parse-queue-message';

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

/** The decide function's limits, the same constants its schema uses. */
export const MAX_COUNT = COMMAND_MAX_COUNT;
export const MAX_REASON_LENGTH = COMMAND_REASON_MAX;
export { UNTIL_ACTIONS };

const isoTime = z.iso.datetime({ offset: true });

/** An ISO-8601 date-time with a zone, as the queue accepts it; `Date.parse` alone takes too much. */
export function isIsoTime(text: string): boolean {
  return z.safeParse(isoTime, text).success;
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
  const command: OperatorCommand = {
    id: request.id ?? `cmd-${randomUUID()}`,
    workload: request.workload,
    action: request.action,
    ...(counted ? { count: request.count } : {}),
    reason,
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
    ...(request.until !== undefined ? { until: new Date(request.until).toISOString() } : {}),
    issuedAt: issuedAt.toISOString(),
  };
  // The checks above speak the CLI's language; this one is the consumer's own, so nothing the
  // CLI accepts can be dead-lettered for its shape.
  const issues = commandIssues(command);
  if (issues) throw new CommandError(`the command would be refused: ${issues}`);
  return command;
}

/**
 * Puts one operator command on the signals queue, where the decide function applies it like a
 * signal. Sending the same command (same id) again is harmless: the policy remembers applied ids.
 */
export async function sendCommand(
  queue: { enqueue(envelopes: readonly DecideEnvelope[]): Promise<void> },
  command: OperatorCommand,
): Promise<OperatorCommand> {
  await queue.enqueue([{ kind: 'command', version: 1, command }]);
  return command;
}
