import { timingSafeEqual } from 'node:crypto';

/** Compares secrets (signatures, tokens) in constant time; different lengths are simply unequal. */
export function sameSecret(given: Buffer | string, expected: Buffer | string): boolean {
  const a = Buffer.isBuffer(given) ? given : Buffer.from(given);
  const b = Buffer.isBuffer(expected) ? expected : Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
