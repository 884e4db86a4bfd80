import { createVerify } from 'node:crypto';
import type { SnsMessage } from '../normalise/sns';

/**
 * The only certificates Spillway trusts to sign SNS messages: served by SNS itself, over HTTPS,
 * in the commercial or China partition. Anything else is refused before it is fetched.
 */
const CERTIFICATE_URL =
  /^https:\/\/sns\.[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d\.amazonaws\.com(\.cn)?\/SimpleNotificationService-[0-9a-f]+\.pem$/;

/** Subscription confirmation links go to the same hosts. */
const SNS_HOST_URL = /^https:\/\/sns\.[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d\.amazonaws\.com(\.cn)?\/\?/;

export const certificateUrlAllowed = (url: string): boolean => CERTIFICATE_URL.test(url);
export const subscribeUrlAllowed = (url: string): boolean => SNS_HOST_URL.test(url);

/** The fields SNS signs, in its order, each as `Name\nvalue\n` (Subject only when present). */
export function snsStringToSign(message: SnsMessage): string {
  const fields =
    message.Type === 'Notification'
      ? (['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const)
      : (['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const);
  return fields
    .filter((name) => message[name] !== undefined)
    .map((name) => `${name}\n${message[name]}\n`)
    .join('');
}

/** SignatureVersion 1 is RSA with SHA-1, 2 is RSA with SHA-256; any parsing failure is a mismatch. */
export function snsSignatureValid(message: SnsMessage, certificatePem: string): boolean {
  try {
    return createVerify(message.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
      .update(snsStringToSign(message), 'utf8')
      .verify(certificatePem, message.Signature, 'base64');
  } catch {
    return false;
  }
}
