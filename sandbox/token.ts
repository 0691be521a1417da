import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time equality. Hashing first gives equal-length buffers, so the length of the
 * expected token does not leak either.
 */
export function tokensMatch(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
