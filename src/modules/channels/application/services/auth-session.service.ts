import { randomUUID } from 'node:crypto';
import type { CacheStore } from '../../../../shared/cache/cache-store';
import type { CredentialsCipher } from '../../../../shared/crypto/credentials-cipher';

/** How long a QR login started at channel creation (or by GET /qr) stays pending. */
export const PENDING_LOGIN_TTL_SECONDS = 10 * 60;

/** A QR login in progress for a channel. */
export interface PendingLogin {
  sessionId: string;
  status: 'pending';
  expiresAt: string;
}

/** How long a saved WhatsApp Web session lives without being saved again (RemoteAuth re-saves periodically). */
export const DEFAULT_SESSION_TTL_SECONDS = 30 * 24 * 3600;

/**
 * Saved WhatsApp Web sessions (the RemoteAuth zip) and pending QR logins. Sessions go to a durable
 * store (Redis when REDIS_URL is set, files under DATA_DIR in embedded mode) so a restarted or another
 * instance finds them; they log a phone in, so they are encrypted like channel credentials.
 */
export class AuthSessionService {
  constructor(
    private readonly logins: CacheStore,
    private readonly sessions: CacheStore,
    private readonly cipher: CredentialsCipher,
  ) {}

  private key(channelId: string): string {
    return `wa-session:${channelId}`;
  }

  /** Saves the serialized session (binary, encrypted) with an expiry. */
  async saveSerializedSession(channelId: string, data: Buffer, ttlSeconds = DEFAULT_SESSION_TTL_SECONDS): Promise<void> {
    await this.sessions.set(this.key(channelId), this.cipher.encrypt(data.toString('base64')), ttlSeconds);
  }

  /** The saved session, or null when none, expired, or unreadable (another key, tampered). */
  async getSerializedSession(channelId: string): Promise<Buffer | null> {
    const value = await this.sessions.get(this.key(channelId));
    if (value === null) return null;
    try {
      return Buffer.from(this.cipher.decrypt<string>(value), 'base64');
    } catch {
      return null;
    }
  }

  /** True when a readable session is saved. */
  async hasSerializedSession(channelId: string): Promise<boolean> {
    return (await this.getSerializedSession(channelId)) !== null;
  }

  async deleteSerializedSession(channelId: string): Promise<void> {
    await this.sessions.del(this.key(channelId));
  }

  private loginKey(channelId: string): string {
    return `wa-login:${channelId}`;
  }

  /** Starts a new QR login session for the channel (replacing any previous one). */
  async createPendingLogin(channelId: string, ttlSeconds = PENDING_LOGIN_TTL_SECONDS): Promise<PendingLogin> {
    const login: PendingLogin = { sessionId: randomUUID(), status: 'pending', expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString() };
    await this.logins.set(this.loginKey(channelId), JSON.stringify(login), ttlSeconds);
    return login;
  }

  /** The channel's pending QR login, or null when none (or expired). */
  async getPendingLogin(channelId: string): Promise<PendingLogin | null> {
    const value = await this.logins.get(this.loginKey(channelId));
    return value === null ? null : (JSON.parse(value) as PendingLogin);
  }

  async deletePendingLogin(channelId: string): Promise<void> {
    await this.logins.del(this.loginKey(channelId));
  }
}
