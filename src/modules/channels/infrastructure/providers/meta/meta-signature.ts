import crypto from 'node:crypto';
import { sameSecret } from '../../../../../shared/crypto/constant-time';

/** Verifies `X-Hub-Signature-256: sha256=<hex>` over the raw body bytes, in constant time. */
export function verifyMetaSignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  // Exactly 64 hex digits: Buffer.from(hex) would silently stop at the first non-hex character.
  if (!header || !/^sha256=[0-9a-fA-F]{64}$/.test(header)) return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = crypto.createHmac('sha256', appSecret).update(rawBody).digest();
  return sameSecret(given, expected);
}

/** Computes the header value Meta would send (used by tests and fakes). */
export function signMetaBody(rawBody: Buffer | string, appSecret: string): string {
  return 'sha256=' + crypto.createHmac('sha256', appSecret).update(rawBody).digest('hex');
}
