import Joi from 'joi';
import { CHANNEL_PROVIDERS, CHANNEL_TYPES } from '../../domain/entities/channel.entity';
import { KPI_DEFAULT_WINDOW_MS, KPI_MAX_WINDOW_MS } from '../../domain/repositories/channel-kpi.repository.interface';
import { metaCredentialsSchema } from '../../infrastructure/providers/meta/meta-credentials';
import { twilioCredentialsSchema } from '../../infrastructure/providers/twilio/twilio-credentials';
import { agentId, companyId, jsonObject, pagingQuery } from './common.schema';

const genericCredentials = Joi.object().pattern(Joi.string().max(64), Joi.string().max(4096)).max(20);

/** Credentials are checked against the provider's own schema. */
const credentialsFor = Joi.when('provider', {
  switch: [
    { is: 'META', then: metaCredentialsSchema.required() },
    { is: 'TWILIO', then: twilioCredentialsSchema.required() },
  ],
  otherwise: genericCredentials,
});

/** A channel's config: free keys (greeting, outboundUrl, ...), plus the outbound rate of its own. */
const channelConfig = jsonObject.keys({ send_rate_per_second: Joi.number().min(0.1).max(10000) });

/** POST /api/channels body. */
export const createChannelBody = Joi.object({
  name: Joi.string().trim().min(1).max(255).required(),
  type: Joi.string().valid(...CHANNEL_TYPES).required(),
  provider: Joi.string().valid(...CHANNEL_PROVIDERS).required(),
  config: channelConfig.default({}),
  credentials: credentialsFor,
  provider_account: Joi.string().trim().min(1).max(255),
  default_agent_id: agentId.allow(null),
  company_id: companyId,
});

/** PUT /api/channels/:id body (type and provider cannot change). */
export const updateChannelBody = Joi.object({
  name: Joi.string().trim().min(1).max(255),
  config: channelConfig,
  credentials: Joi.object().unknown(true),
  default_agent_id: agentId.allow(null),
}).min(1);

/** GET /api/channels query. */
export const listChannelsQuery = Joi.object({
  type: Joi.string().valid(...CHANNEL_TYPES),
  provider: Joi.string().valid(...CHANNEL_PROVIDERS),
  is_active: Joi.boolean(),
  company_id: companyId,
  ...pagingQuery(['created_at', 'updated_at', 'name'], 'created_at'),
});

// Bounded so every date (and the default `from`, a week before `to`) is one PostgreSQL can store.
const kpiDate = Joi.date().iso().min('1970-01-08T00:00:00Z').max('9999-12-31T23:59:59Z');

/** GET /api/channels/:id/metrics query: an ISO 8601 window, `from` before `to`, at most a year. */
export const channelMetricsQuery = Joi.object({
  from: kpiDate,
  to: kpiDate,
}).custom((value, helpers) => {
  const to = value.to ?? new Date();
  const from = value.from ?? new Date(to.getTime() - KPI_DEFAULT_WINDOW_MS);
  if (to.getTime() - from.getTime() > KPI_MAX_WINDOW_MS) return helpers.message({ custom: 'the window (from..to) is at most 366 days' });
  if (from.getTime() >= to.getTime()) return helpers.message({ custom: 'from must be before to' });
  return value;
});

/** POST /api/channels/:id/auth body. */
export const channelAuthBody = Joi.object({
  sessionId: Joi.string().max(128).required(),
  metadata: jsonObject,
});

/** GET /api/channels/:id/qr-image/:sessionId params. */
export const qrImageParams = Joi.object({ id: Joi.string().guid().required(), sessionId: Joi.string().max(128).required() });
