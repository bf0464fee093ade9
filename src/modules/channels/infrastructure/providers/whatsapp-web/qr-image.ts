import { createHash, createHmac } from 'node:crypto';
import { sameSecret } from '../../../../../shared/crypto/constant-time';
import QRCode from 'qrcode';

/** Signs and checks short-lived QR image URLs: an <img> tag cannot send a Bearer header. */
export class QrImageSigner {
  private readonly key: Buffer;

  /** The key is derived from JWT_SECRET so a QR signature can never be used as a token, or the reverse. */
  constructor(jwtSecret: string, private readonly ttlSeconds = 120) {
    this.key = createHash('sha256').update(`qr-image:${jwtSecret}`).digest();
  }

  private sign(channelId: string, sessionId: string, exp: number): string {
    return createHmac('sha256', this.key).update(`${channelId}:${sessionId}:${exp}`).digest('base64url');
  }

  /** `/api/channels/:id/qr-image/:sessionId?exp=..&sig=..`, valid for ttlSeconds from `now`. */
  url(channelId: string, sessionId: string, now = Date.now()): string {
    const exp = Math.floor(now / 1000) + this.ttlSeconds;
    const q = new URLSearchParams({ exp: String(exp), sig: this.sign(channelId, sessionId, exp) });
    return `/api/channels/${encodeURIComponent(channelId)}/qr-image/${encodeURIComponent(sessionId)}?${q}`;
  }

  /** True for an unexpired URL signed for exactly this channel and session. */
  verify(channelId: string, sessionId: string, exp: unknown, sig: unknown, now = Date.now()): boolean {
    const expiry = Number(exp);
    if (!Number.isInteger(expiry) || expiry * 1000 < now || typeof sig !== 'string') return false;
    return sameSecret(sig, this.sign(channelId, sessionId, expiry));
  }
}

/** The QR string as an SVG document (served as image/svg+xml). */
export function renderQrSvg(qr: string): Promise<string> {
  return QRCode.toString(qr, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
}
