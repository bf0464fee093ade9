import type { Request, Response } from 'express';
import { currentUser } from '../../../../shared/auth/auth.middleware';
import type { MediaUseCases } from '../../application/use-cases/media.use-cases';

/** HTTP translation for received media files. */
export class MediaController {
  constructor(private readonly useCases: MediaUseCases) {}

  /** GET /api/channels/media/:channelId/:file: the file itself, never sniffed as another type. */
  download = async (req: Request, res: Response) => {
    const { channelId, file } = req.valid.params;
    const found = await this.useCases.locate(currentUser(req), channelId, file);
    res.setHeader('Content-Type', found.mimeType);
    res.setHeader('Content-Disposition', 'inline');
    res.setHeader('Cache-Control', 'private, max-age=86400');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    await new Promise<void>((resolve, reject) => res.sendFile(found.path, { headers: { 'Content-Type': found.mimeType } }, (err) => (err ? reject(err) : resolve())));
  };
}
