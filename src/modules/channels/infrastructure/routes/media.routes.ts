import { Router } from 'express';
import Joi from 'joi';
import { authorize } from '../../../../shared/auth/auth.middleware';
import { validate } from '../../../../shared/http/validate.middleware';
import type { MediaController } from '../controllers/media.controller';

const mediaParams = Joi.object({
  channelId: Joi.string().guid().required(),
  file: Joi.string().pattern(/^[a-f0-9]{64}\.[a-z0-9]{1,5}$/).required().messages({ 'string.pattern.base': 'file is not a stored media file name' }),
});

/** /api/channels/media: files of received media (mounted before the channel routes). */
export function mediaRoutes(c: MediaController): Router {
  const r = Router();
  r.get('/:channelId/:file', authorize('messages:read'), validate({ params: mediaParams }), c.download);
  return r;
}
