import type { ProbeResult } from '../core/site-health';

export interface WitnessTarget {
  readonly url: string;
  readonly timeoutSeconds: number;
  readonly expectStatus: number;
}

/**
 * The witness: one GET of a URL at the site, from the cloud, answered with the expected status
 * within the timeout. Any other outcome is a failure with its reason; it never throws, since a
 * witness that cannot be reached is exactly what it is there to report.
 */
export async function probeWitness(
  target: WitnessTarget,
  now: () => Date,
  fetchImpl: typeof fetch = fetch,
): Promise<ProbeResult> {
  const at = now().toISOString();
  try {
    const response = await fetchImpl(target.url, {
      method: 'GET',
      redirect: 'manual',
      signal: AbortSignal.timeout(target.timeoutSeconds * 1000),
      headers: { 'user-agent': 'spillway-witness' },
    });
    // The body is not read: only the status is evidence, and an unread body holds the socket.
    await response.body?.cancel().catch(() => {});
    const ok = response.status === target.expectStatus;
    return {
      at,
      ok,
      detail: ok ? `HTTP ${response.status}` : `HTTP ${response.status} (expected ${target.expectStatus})`,
    };
  } catch (error) {
    const name = (error as Error).name;
    const detail =
      name === 'TimeoutError' || name === 'AbortError'
        ? `no answer within ${target.timeoutSeconds} s`
        : `unreachable: ${((error as Error & { cause?: Error }).cause?.message ?? (error as Error).message).slice(0, 120)}`;
    return { at, ok: false, detail };
  }
}
