import * as z from 'zod';
import { type Rejection, reject } from './result';
import { describeZodIssues } from './zod-issues';

/**
 * An Amazon SNS message as SNS POSTs it to an HTTPS subscriber
 * (https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html): one schema for the
 * three types, the fields each signs are checked by the signature, not here.
 */
export const snsMessageSchema = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string().min(1).max(128),
  TopicArn: z.string().min(1).max(512),
  Message: z.string().max(300_000),
  Timestamp: z.string().min(1).max(40),
  SignatureVersion: z.enum(['1', '2']),
  Signature: z.string().min(1).max(4096),
  SigningCertURL: z.string().min(1).max(1024),
  Subject: z.string().max(512).optional(),
  Token: z.string().max(2048).optional(),
  SubscribeURL: z.string().max(2048).optional(),
  UnsubscribeURL: z.string().max(2048).optional(),
});

export type SnsMessage = z.infer<typeof snsMessageSchema>;

export function parseSnsMessage(body: unknown): { ok: true; message: SnsMessage } | Rejection {
  const parsed = snsMessageSchema.safeParse(body);
  if (parsed.success) return { ok: true, message: parsed.data };
  const { message, fields } = describeZodIssues(parsed.error);
  return reject('malformed', `not an Amazon SNS message: ${message}`, fields);
}
