import crypto from 'node:crypto';

/** Header that carries our webhook signatures, in both directions. */
export const SIGNATURE_HEADER = 'X-Axi-Signature';

/** Why a signature header was refused (or `valid`). */
export type SignatureCheck = 'valid' | 'missing' | 'malformed' | 'mismatch' | 'stale';

function hmac(secret: string, timestamp: number, rawBody: Buffer | string): Buffer {
  // The timestamp is signed with the body so an old request cannot be replayed with a fresh one.
  return crypto.createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}

/**
 * The signature header value for a body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.rawBody">`.
 * Generic on purpose: custom channel webhooks and outgoing event webhooks share it.
 */
export function sign(secret: string, timestamp: number, rawBody: Buffer | string): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, rawBody).toString('hex')}`;
}

/**
 * Checks a signature header against the raw body bytes, in constant time, and that its timestamp
 * is within `toleranceSeconds` of `now` (unix seconds) either way. Several `v1` entries are allowed
 * (a sender rotating its secret); one match is enough.
 */
export function verify(header: string | undefined, secret: string, rawBody: Buffer, now: number, toleranceSeconds: number): SignatureCheck {
  if (!header) return 'missing';
  let timestamp: number | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const [key, value = ''] = part.trim().split('=', 2);
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    // Exactly 64 hex digits: Buffer.from(hex) would silently stop at the first non-hex character.
    else if (key === 'v1' && /^[0-9a-fA-F]{64}$/.test(value)) candidates.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || candidates.length === 0) return 'malformed';
  const expected = hmac(secret, timestamp, rawBody);
  if (!candidates.some((c) => crypto.timingSafeEqual(c, expected))) return 'mismatch';
  return Math.abs(now - timestamp) > toleranceSeconds ? 'stale' : 'valid';
}
