import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SpillwayConfig } from '../../../src/config/schema';
import { snsStringToSign } from '../../../src/core/auth/sns-signature';
import type { SnsMessage } from '../../../src/core/normalise/sns';
import type { QueueEnvelope } from '../../../src/core/signal';
import type { IngestWebhookDeps } from '../../../src/usecases/ingest-webhook';
import { aConfig, at } from '../factories';
import { RecordingLog } from '../fakes';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures');
/** A self-signed key pair made once with openssl for these tests (test/fixtures/_source.md). */
export const SNS_TEST_KEY = readFileSync(resolve(FIXTURES, 'sns/test-signing-key.pem'), 'utf8');
export const SNS_TEST_CERT = readFileSync(resolve(FIXTURES, 'sns/test-signing-cert.pem'), 'utf8');

/** Signs an SNS message as SNS would, with the test key. */
export function signSns(message: Omit<SnsMessage, 'Signature'> & { Signature?: string }): SnsMessage {
  const unsigned = { ...message, Signature: 'x' } as SnsMessage;
  const signer = createSign(message.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  signer.update(snsStringToSign(unsigned), 'utf8');
  return { ...unsigned, Signature: signer.sign(SNS_TEST_KEY, 'base64') };
}

/** The signals queue in memory; `fail` makes `enqueue` throw as SendMessageBatch would. */
export class FakeQueue {
  readonly batches: (readonly QueueEnvelope[])[] = [];
  fail = false;
  async enqueue(envelopes: readonly QueueEnvelope[]): Promise<void> {
    if (this.fail) throw new Error('sqs SendMessageBatch failed: ServiceUnavailable');
    this.batches.push(envelopes);
  }
  get signals() {
    return this.batches.flat().flatMap((e) => (e.kind === 'signal' ? [e.signal] : e.signals));
  }
}

export interface FakeIngest extends IngestWebhookDeps {
  readonly queue: FakeQueue;
  readonly log: RecordingLog;
  readonly confirmed: string[];
  readonly certificateUrls: string[];
}

/** Ingest's dependencies with every secret in memory; an Error as `secrets` makes the store fail. */
export function fakeIngest(
  options: {
    secrets?: Record<string, readonly string[]> | Error;
    config?: SpillwayConfig;
    now?: Date;
    certificate?: string | Error;
  } = {},
): FakeIngest {
  const secrets = options.secrets ?? { alertmanager: ['s3cret-token'] };
  const confirmed: string[] = [];
  const certificateUrls: string[] = [];
  return {
    config: options.config ?? aConfig(),
    queue: new FakeQueue(),
    secrets: async (name) => {
      if (secrets instanceof Error) throw secrets;
      return Object.hasOwn(secrets, name) ? (secrets[name] ?? []) : [];
    },
    sns: {
      certificate: async (url) => {
        certificateUrls.push(url);
        const certificate = options.certificate ?? SNS_TEST_CERT;
        if (certificate instanceof Error) throw certificate;
        return certificate;
      },
      confirmSubscription: async (url) => {
        confirmed.push(url);
      },
    },
    clock: () => options.now ?? at(3600),
    log: new RecordingLog(),
    confirmed,
    certificateUrls,
  };
}
