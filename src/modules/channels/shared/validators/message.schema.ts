import Joi from 'joi';
import { MESSAGE_STATUSES } from '../../domain/entities/message.entity';
import { jsonObject, pagingQuery, uuid } from './common.schema';

/** POST /api/channels/messages body: a conversation, or a channel and a recipient. */
export const sendMessageBody = Joi.object({
  conversation_id: uuid,
  channel_id: uuid,
  to: Joi.string().trim().min(3).max(64),
  message: Joi.string().min(1).max(4096).required(),
  content_type: Joi.string().valid('text').default('text').messages({ 'any.only': "content_type must be 'text' (media sending comes later)" }),
  // Accepted for compatibility with the seed's example; only outgoing makes sense here.
  direction: Joi.string().valid('outgoing').strip(),
  from: Joi.string().max(255).strip(),
  metadata: jsonObject,
})
  .or('conversation_id', 'channel_id')
  .with('channel_id', 'to')
  .oxor('conversation_id', 'channel_id');

/** PUT /api/channels/messages/:id/status body. */
export const updateMessageStatusBody = Joi.object({ status: Joi.string().valid(...MESSAGE_STATUSES).required() });

/** GET .../:conversationId/messages query (oldest first by default). */
export const listMessagesQuery = Joi.object(pagingQuery(['timestamp', 'created_at'], 'timestamp', 'asc'));
