import { Router } from 'express';
import { authorize } from '../../../../shared/auth/auth.middleware';
import { NotFoundError } from '../../../../shared/errors/app-error';
import { validate } from '../../../../shared/http/validate.middleware';
import { idParams } from '../../shared/validators/common.schema';
import { channelAuthBody, createChannelBody, listChannelsQuery, qrImageParams, updateChannelBody } from '../../shared/validators/channel.schema';
import type { ChannelController } from '../controllers/channel.controller';

/** /api/channels (mounted after the conversation and message routers so their paths win). */
export function channelRoutes(c: ChannelController): Router {
  const r = Router();
  r.post('/', authorize('channels:create'), validate({ body: createChannelBody }), c.create);
  r.get('/', authorize('channels:read'), validate({ query: listChannelsQuery }), c.list);
  r.get('/:id', authorize('channels:read'), validate({ params: idParams }), c.get);
  r.put('/:id', authorize('channels:update'), validate({ params: idParams, body: updateChannelBody }), c.update);
  r.delete('/:id', authorize('channels:delete'), validate({ params: idParams }), c.remove);
  r.put('/:id/activate', authorize('channels:update'), validate({ params: idParams }), c.activate);
  r.put('/:id/deactivate', authorize('channels:update'), validate({ params: idParams }), c.deactivate);
  r.get('/:id/qr', authorize('channels:update'), validate({ params: idParams }), c.qrLogin);
  r.post('/:id/auth', authorize('channels:update'), validate({ params: idParams, body: channelAuthBody }), c.qrLogin);
  return r;
}

/** The QR image is fetched by an <img> tag, so it is authorised by a signed URL, not a Bearer token. */
export function qrImageRoutes(): Router {
  const r = Router();
  // No QR sessions exist until WhatsApp Web channels arrive, so every session id is unknown.
  r.get('/:id/qr-image/:sessionId', validate({ params: qrImageParams }), () => {
    throw new NotFoundError('QR session');
  });
  return r;
}
