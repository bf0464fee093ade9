import Joi from 'joi';
import { storableString } from '../../../../../shared/database/storable-json';
import { ValidationError } from '../../../../../shared/errors/app-error';
import type { ContentType } from '../../../domain/entities/message.entity';
import type { InboundMessageEvent, InboundStatusEvent } from '../../../domain/inbound-event';

/** Content types a custom webhook may announce: text and the media types the REST send knows. */
const CONTENT_TYPES = ['text', 'image', 'audio', 'video', 'document', 'sticker'] as const;
const STATUS_MAP: Record<string, InboundStatusEvent['status']> = { sent: 'SENT', delivered: 'DELIVERED', read: 'READ', failed: 'FAILED' };

/** Unix seconds up to the year 2200: anything bigger is a unit mistake (milliseconds). */
const unixSeconds = Joi.number().integer().min(0).max(7258118400);

/** A key (message or customer id): text PostgreSQL can store as given, within its column. */
const key = Joi.string().min(1).max(255).custom((v: string, helpers) => (storableString(v) === v ? v : helpers.error('string.storable'))).messages({ 'string.storable': '{{#label}} contains characters that cannot be stored' });

const inboundAttachment = Joi.object({
  url: Joi.string().uri({ scheme: ['http', 'https'] }).max(2048).required(),
  mime_type: Joi.string().pattern(/^[a-z]+\/[a-z0-9.+-]+$/i).max(255).required().messages({ 'string.pattern.base': 'mime_type must look like type/subtype' }),
  filename: Joi.string().max(255),
});

/** POST /webhooks/custom/:channelId body: one customer message. */
export const customMessageSchema = Joi.object({
  id: key.required(),
  from: key.required(),
  name: Joi.string().max(255),
  content_type: Joi.string().valid(...CONTENT_TYPES).default('text'),
  // Text needs a body; media may carry a caption and needs attachments.
  text: Joi.when('content_type', { is: 'text', then: Joi.string().min(1).max(4096).required(), otherwise: Joi.string().allow('').max(4096).default('') }),
  timestamp: unixSeconds,
  attachments: Joi.when('content_type', {
    is: 'text',
    then: Joi.array().max(0).messages({ 'array.max': 'attachments are only allowed with a media content_type' }),
    otherwise: Joi.array().items(inboundAttachment).min(1).max(10).required(),
  }),
});

/** POST /webhooks/custom/:channelId/status body: the delivery status of one outbound message. */
export const customStatusSchema = Joi.object({
  id: key.required(),
  status: Joi.string().valid(...Object.keys(STATUS_MAP)).required(),
  timestamp: unixSeconds,
  error: Joi.object({ code: Joi.alternatives(Joi.string().max(64), Joi.number().integer()).required(), message: Joi.string().max(1024) }),
});

function parseJson(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new ValidationError('Malformed JSON body', undefined, 'MALFORMED_BODY');
  }
}

/** Validates the raw body against a schema; 400 naming every bad field. */
function validated<T>(schema: Joi.ObjectSchema, rawBody: Buffer): T {
  const { value, error } = schema.required().validate(parseJson(rawBody), { abortEarly: false });
  if (error) throw new ValidationError('Invalid webhook body', error.details.map((d) => ({ field: d.path.join('.') || 'body', message: d.message.replace(/"/g, "'") })));
  return value as T;
}

function toDate(seconds: number | undefined): Date {
  return seconds === undefined ? new Date() : new Date(seconds * 1000);
}

/** A signed custom message body as a provider-neutral event. */
export function parseCustomMessage(rawBody: Buffer): InboundMessageEvent {
  const body = validated<{ id: string; from: string; name?: string; content_type: ContentType; text: string; timestamp?: number; attachments?: { url: string; mime_type: string; filename?: string }[] }>(customMessageSchema, rawBody);
  const text = storableString(body.text);
  return {
    kind: 'message',
    externalId: body.id,
    from: body.from,
    contactName: body.name ? storableString(body.name) || undefined : undefined,
    timestamp: toDate(body.timestamp),
    contentType: body.content_type,
    text,
    attachments: (body.attachments ?? []).map((a) => ({ type: body.content_type, url: a.url, mimeType: a.mime_type, filename: a.filename ? storableString(a.filename) : undefined, caption: text || undefined })),
    payload: body,
  };
}

/** A signed custom status body as a provider-neutral event. */
export function parseCustomStatus(rawBody: Buffer): InboundStatusEvent {
  const body = validated<{ id: string; status: string; timestamp?: number; error?: { code: string | number; message?: string } }>(customStatusSchema, rawBody);
  // An error only describes a failure: a delivered or read message keeps no error code.
  const error = body.status === 'failed' ? body.error : undefined;
  return {
    kind: 'status',
    externalId: body.id,
    status: STATUS_MAP[body.status],
    timestamp: toDate(body.timestamp),
    errorCode: error ? storableString(String(error.code)) : undefined,
    errorMessage: error?.message !== undefined ? storableString(error.message) : undefined,
  };
}
