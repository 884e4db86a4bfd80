import { readFileSync } from 'node:fs';
import { certificateUrlAllowed, subscribeUrlAllowed } from '../core/auth/sns-signature';
import type { SnsPort } from '../usecases/ports';
import { AdapterError } from './errors';

/** SNS rotates its signing certificate rarely; a day's cache saves a fetch per message. */
export const CERTIFICATE_CACHE_SECONDS = 24 * 60 * 60;
const FETCH_TIMEOUT_MS = 3000;

type Fetch = (
  url: string,
  init: { signal: AbortSignal },
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

/**
 * Talks back to SNS over HTTPS: signing certificates (cached per URL) and subscription
 * confirmations. Both refuse any URL outside SNS's own hosts, whatever the caller checked.
 */
export function snsHttps(fetchFn: Fetch = fetch, clock: () => Date = () => new Date()): SnsPort {
  const cache = new Map<string, { pem: string; until: number }>();
  const get = async (url: string, operation: string) => {
    let response: Awaited<ReturnType<Fetch>>;
    try {
      response = await fetchFn(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    } catch (error) {
      throw new AdapterError(`sns ${operation} failed: ${(error as Error).message}`, 'sns', operation, {
        cause: error,
      });
    }
    if (!response.ok)
      throw new AdapterError(`sns ${operation} failed: HTTP ${response.status}`, 'sns', operation);
    return response.text();
  };
  return {
    async certificate(url) {
      if (!certificateUrlAllowed(url))
        throw new AdapterError('sns certificate URL not allowed', 'sns', 'GetCertificate');
      const now = clock().getTime();
      const hit = cache.get(url);
      if (hit && now < hit.until) return hit.pem;
      const pem = await get(url, 'GetCertificate');
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
        throw new AdapterError('sns GetCertificate failed: not a PEM certificate', 'sns', 'GetCertificate');
      }
      cache.set(url, { pem, until: now + CERTIFICATE_CACHE_SECONDS * 1000 });
      return pem;
    },
    async confirmSubscription(url) {
      if (!subscribeUrlAllowed(url))
        throw new AdapterError('sns SubscribeURL not allowed', 'sns', 'ConfirmSubscription');
      await get(url, 'ConfirmSubscription');
    },
  };
}

/**
 * Local runtime and tests only (never set on AWS): one PEM file stands in for every allowed
 * certificate URL, and confirmations are logged instead of visited, so no test needs the network.
 */
export function snsFromFile(pemFile: string, log: (message: string) => void): SnsPort {
  const pem = readFileSync(pemFile, 'utf8');
  return {
    async certificate(url) {
      if (!certificateUrlAllowed(url))
        throw new AdapterError('sns certificate URL not allowed', 'sns', 'GetCertificate');
      return pem;
    },
    async confirmSubscription(url) {
      log(`SNS subscription confirmation not visited locally: ${url.slice(0, 200)}`);
    },
  };
}
