import { createHash, timingSafeEqual } from 'node:crypto';

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest();

/**
 * True when `presented` equals any of `accepted`, in time independent of where they differ:
 * hashing first evens out the lengths, and every candidate is compared (no early exit), so the
 * answer time does not tell which secret was close or how many there are to try.
 */
export function matchesAny(
  presented: Uint8Array | string,
  accepted: readonly (Uint8Array | string)[],
): boolean {
  const digest = sha256(presented);
  let ok = false;
  for (const candidate of accepted) {
    if (candidate.length === 0) continue;
    if (timingSafeEqual(digest, sha256(candidate))) ok = true;
  }
  return ok;
}
