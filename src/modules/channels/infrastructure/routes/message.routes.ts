import { Router } from 'express';
import { authorize } from '../../../../shared/auth/auth.middleware';
import { notFoundHandler } from '../../../../shared/http/error.middleware';
import { validate } from '../../../../shared/http/validate.middleware';
import { idParams } from '../../shared/validators/common.schema';
import { sendMessageBody, updateMessageStatusBody } from '../../shared/validators/message.schema';
import type { MessageController } from '../controllers/message.controller';

/** /api/channels/messages */
export function messageRoutes(c: MessageController): Router {
  const r = Router();
  r.post('/', authorize('messages:create'), validate({ body: sendMessageBody }), c.send);
  r.get('/:id', authorize('messages:read'), validate({ params: idParams }), c.get);
  r.put('/:id/status', authorize('messages:update'), validate({ params: idParams, body: updateMessageStatusBody }), c.updateStatus);
  // Anything else under this prefix is unknown here, not a channel id for the channels router.
  r.use(notFoundHandler);
  return r;
}
