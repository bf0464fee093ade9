import Joi from 'joi';
import { MESSAGE_STATUSES } from '../../domain/entities/message.entity';
import { jsonObject, pagingQuery, uuid } from './common.schema';

/** Content types that carry media (sent with `attachments`). */
export const MEDIA_CONTENT_TYPES = ['image', 'audio', 'video', 'document', 'sticker'] as const;

/** A media item to send: a public http(s) URL the provider fetches. */
const outboundAttachment = Joi.object({
  url: Joi.string().uri({ scheme: ['http', 'https'] }).max(2048).required(),
  mime_type: Joi.string().pattern(/^[a-z]+\/[a-z0-9.+-]+$/i).max(255).required().messages({ 'string.pattern.base': 'mime_type must look like type/subtype' }),
  filename: Joi.string().max(255),
});

/** POST /api/channels/messages body: a conversation, or a channel and a recipient. */
export const sendMessageBody = Joi.object({
  conversation_id: uuid,
  channel_id: uuid,
  to: Joi.string().trim().min(3).max(64),
  content_type: Joi.string().valid('text', ...MEDIA_CONTENT_TYPES).default('text'),
  // Text needs a body; media may carry a caption (empty allowed).
  message: Joi.when('content_type', {
    is: 'text',
    then: Joi.string().min(1).max(4096).required(),
    otherwise: Joi.string().allow('').max(1024).default(''),
  }),
  attachments: Joi.when('content_type', {
    is: 'text',
    then: Joi.forbidden().messages({ 'any.unknown': 'attachments are only allowed with a media content_type' }),
    otherwise: Joi.array().items(outboundAttachment).min(1).max(10).required(),
  }),
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
