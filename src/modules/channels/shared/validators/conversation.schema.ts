import Joi from 'joi';
import { CONVERSATION_STATUSES, PARTICIPANT_TYPES } from '../../domain/entities/conversation.entity';
import { agentId, companyId, jsonObject, pagingQuery, uuid } from './common.schema';

const externalId = Joi.string().trim().min(1).max(255);

/** POST /api/channels/conversations body. */
export const createConversationBody = Joi.object({
  channel_id: uuid.required(),
  external_id: externalId.required(),
  status: Joi.string().valid(...CONVERSATION_STATUSES),
  assigned_agent_id: agentId.allow(null),
  participant_id: Joi.string().max(255).allow(null),
  participant_meta: jsonObject.allow(null),
  participant_type: Joi.string().valid(...PARTICIPANT_TYPES),
  company_id: companyId,
});

/** PUT /api/channels/conversations/:id body. */
export const updateConversationBody = Joi.object({
  status: Joi.string().valid(...CONVERSATION_STATUSES),
  participant_id: Joi.string().max(255).allow(null),
  participant_meta: jsonObject.allow(null),
  participant_type: Joi.string().valid(...PARTICIPANT_TYPES),
}).min(1);

/** PUT .../assign-agent body. */
export const assignAgentBody = Joi.object({ agent_id: agentId.required() });

/** GET /api/channels/conversations query. */
export const listConversationsQuery = Joi.object({
  channel_id: uuid,
  status: Joi.string().valid(...CONVERSATION_STATUSES),
  assigned_agent_id: agentId,
  external_id: externalId,
  company_id: companyId,
  ...pagingQuery(['created_at', 'updated_at', 'last_message_at'], 'created_at'),
});

/** `:conversationId` params. */
export const conversationIdParams = Joi.object({ conversationId: uuid.required() });
