import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { AuthSessionService } from '../../../application/services/auth-session.service';

/**
 * The `store` of whatsapp-web.js RemoteAuth over AuthSessionService. RemoteAuth names sessions
 * `RemoteAuth-<clientId>` and zips them to `<dataPath>/<session>.zip` before `save`; we use the
 * channel id as clientId, so the session name maps back to the channel.
 */
export class RemoteAuthSessionStore {
  constructor(
    private readonly sessions: AuthSessionService,
    private readonly dataPath: string,
    private readonly ttlSeconds?: number,
  ) {}

  private channelOf(session: string): string {
    return session.replace(/^RemoteAuth-/, '');
  }

  private zipPath(session: string): string {
    // The session name comes from our own clientId, but a path separator must never escape dataPath.
    return path.join(this.dataPath, `${path.basename(session)}.zip`);
  }

  async sessionExists({ session }: { session: string }): Promise<boolean> {
    return this.sessions.hasSerializedSession(this.channelOf(session));
  }

  async save({ session }: { session: string }): Promise<void> {
    const data = await fs.readFile(this.zipPath(session));
    await this.sessions.saveSerializedSession(this.channelOf(session), data, this.ttlSeconds);
  }

  /** Writes the saved zip to `path` for RemoteAuth to unpack; nothing is written when none is saved. */
  async extract({ session, path: target }: { session: string; path: string }): Promise<void> {
    const data = await this.sessions.getSerializedSession(this.channelOf(session));
    if (data) await fs.writeFile(target, data);
  }

  async delete({ session }: { session: string }): Promise<void> {
    await this.sessions.deleteSerializedSession(this.channelOf(session));
  }
}

/** The folder RemoteAuth unpacks a channel's session into (`<DATA_DIR>/wwebjs/RemoteAuth-<channel id>`). */
export function sessionFolder(dataDir: string, channelId: string): string {
  return path.join(dataDir, 'wwebjs', `RemoteAuth-${path.basename(channelId)}`);
}

/** Removes the channel's unpacked session; retried briefly because Chromium may still hold files (EBUSY). */
export async function removeSessionFolder(dataDir: string, channelId: string): Promise<void> {
  await fs.rm(sessionFolder(dataDir, channelId), { recursive: true, force: true, maxRetries: 3, retryDelay: 200 });
}
