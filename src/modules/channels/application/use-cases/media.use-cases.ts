import { promises as fs } from 'node:fs';
import { companyScope, type AuthUser } from '../../../../shared/auth/permissions';
import { NotFoundError } from '../../../../shared/errors/app-error';
import type { ChannelRepository } from '../../domain/repositories/channel.repository.interface';

/** Finds a stored media file on disk by channel and file name (undefined: not a name the store makes). */
export type MediaPathResolver = (channelId: string, file: string) => string | undefined;

const MIME: Record<string, string> = {
  jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', mp4: 'video/mp4', '3gp': 'video/3gpp',
  ogg: 'audio/ogg', mp3: 'audio/mpeg', m4a: 'audio/mp4', aac: 'audio/aac', pdf: 'application/pdf', txt: 'text/plain',
};

/** Media files received on a channel, served to the agents of its company. */
export class MediaUseCases {
  constructor(
    private readonly channels: ChannelRepository,
    private readonly resolve: MediaPathResolver,
  ) {}

  /** The file's path and type; 404 for another company's channel or a file that is not there. */
  async locate(user: AuthUser, channelId: string, file: string): Promise<{ path: string; mimeType: string }> {
    const channel = await this.channels.findById(channelId, companyScope(user));
    const found = channel ? this.resolve(channel.id, file) : undefined;
    if (!found || !(await fs.stat(found).then((s) => s.isFile(), () => false))) throw new NotFoundError('Media file');
    return { path: found, mimeType: MIME[file.split('.').pop()!] ?? 'application/octet-stream' };
  }
}
