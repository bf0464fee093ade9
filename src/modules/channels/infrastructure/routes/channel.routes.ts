import { Router } from 'express';
import { authorize } from '../../../../shared/auth/auth.middleware';
import { validate } from '../../../../shared/http/validate.middleware';
import { idParams } from '../../shared/validators/common.schema';
import { channelAuthBody, channelMetricsQuery, createChannelBody, listChannelsQuery, qrImageParams, updateChannelBody } from '../../shared/validators/channel.schema';
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
  r.get('/:id/metrics', authorize('channels:read'), validate({ params: idParams, query: channelMetricsQuery }), c.metrics);
  r.get('/:id/qr', authorize('channels:update'), validate({ params: idParams }), c.qr);
  r.post('/:id/auth', authorize('channels:update'), validate({ params: idParams, body: channelAuthBody }), c.completeAuth);
  return r;
}

/** The QR image is fetched by an <img> tag, so it is authorised by a signed URL, not a Bearer token. */
export function qrImageRoutes(c: ChannelController): Router {
  const r = Router();
  r.get('/:id/qr-image/:sessionId', validate({ params: qrImageParams }), c.qrImage);
  return r;
}
