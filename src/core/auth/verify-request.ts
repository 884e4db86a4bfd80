import type { SourceAuth } from '../../config/schema';
import { verifyGrafanaHmac, verifyStandardWebhooks } from './signatures';
import { verifyBasic, verifyBearer } from './static-credentials';
import type { AuthVerdict, Headers } from './verdict';
import { refused } from './verdict';

/** The schemes checked from headers and body alone; SNS needs its certificate, fetched by the use case. */
export type SecretAuth = Exclude<SourceAuth, { scheme: 'sns' }>;

/**
 * Checks one delivery against the source's scheme and every currently valid secret (several
 * during a rotation). Pure: the caller fetched the secrets and passes the clock.
 */
export function verifyRequest(
  auth: SecretAuth,
  request: { readonly headers: Headers; readonly body: Uint8Array; readonly now: Date },
  secrets: readonly string[],
): AuthVerdict {
  if (secrets.length === 0) return refused('no_secret_configured');
  switch (auth.scheme) {
    case 'bearer':
      return verifyBearer(request.headers, secrets);
    case 'basic':
      return verifyBasic(request.headers, secrets);
    case 'hmac-grafana':
      return verifyGrafanaHmac(request, secrets, auth);
    case 'standard-webhooks':
      return verifyStandardWebhooks(request, secrets, auth.replayWindowSeconds);
  }
}
