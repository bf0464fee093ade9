import { Router } from 'express';
import { authorize } from '../../../../shared/auth/auth.middleware';
import { notFoundHandler } from '../../../../shared/http/error.middleware';
import { validate } from '../../../../shared/http/validate.middleware';
import { idParams } from '../../shared/validators/common.schema';
import {
  assignAgentBody,
  conversationIdParams,
  createConversationBody,
  listConversationsQuery,
  updateConversationBody,
} from '../../shared/validators/conversation.schema';
import { listMessagesQuery } from '../../shared/validators/message.schema';
import type { ConversationController } from '../controllers/conversation.controller';

/** /api/channels/conversations */
export function conversationRoutes(c: ConversationController): Router {
  const r = Router();
  r.post('/', authorize('conversations:create'), validate({ body: createConversationBody }), c.create);
  r.get('/', authorize('conversations:read'), validate({ query: listConversationsQuery }), c.list);
  r.get('/:conversationId/messages', authorize('messages:read'), validate({ params: conversationIdParams, query: listMessagesQuery }), c.listMessages);
  r.get('/:id', authorize('conversations:read'), validate({ params: idParams }), c.get);
  r.put('/:id', authorize('conversations:update'), validate({ params: idParams, body: updateConversationBody }), c.update);
  r.put('/:id/assign-agent', authorize('conversations:update'), validate({ params: idParams, body: assignAgentBody }), c.assignAgent);
  r.put('/:id/unassign-agent', authorize('conversations:update'), validate({ params: idParams }), c.unassignAgent);
  // Anything else under this prefix is unknown here, not a channel id for the channels router.
  r.use(notFoundHandler);
  return r;
}
