import { ValidationError, type FieldError } from '../../../../../shared/errors/app-error';
import { storableString } from '../../../../../shared/database/storable-json';
import type { ChannelEntity } from '../../../domain/entities/channel.entity';
import type { ContentType } from '../../../domain/entities/message.entity';
import type { InboundAttachment, InboundMessageEvent, InboundStatusEvent } from '../../../domain/inbound-event';
import { fromTwilioAddress } from './twilio-address';
import type { TwilioParams } from './twilio-signature';

type AddressChannel = Pick<ChannelEntity, 'type' | 'provider'>;

/** Twilio SIDs: two letters and 32 hex digits (SM/MM messages, CA calls, RE recordings). */
const SID = /^[A-Z]{2}[0-9a-fA-F]{32}$/;
/** Twilio accepts at most 10 media items per message. */
const MAX_MEDIA = 10;

const STATUS_MAP: Record<string, InboundStatusEvent['status']> = {
  queued: 'SENT', accepted: 'SENT', scheduled: 'SENT', sending: 'SENT', sent: 'SENT',
  delivered: 'DELIVERED', read: 'READ', undelivered: 'FAILED', failed: 'FAILED', canceled: 'FAILED',
};

/** Descriptions of the delivery errors status callbacks report without a message. */
const ERROR_TEXT: Record<string, string> = {
  '30003': 'Unreachable destination handset',
  '30004': 'Message blocked',
  '30005': 'Unknown destination handset',
  '30006': 'Landline or unreachable carrier',
  '30007': 'Message filtered by the carrier',
  '30008': 'Unknown error',
  '63016': 'Outside the allowed window for free-form WhatsApp messages',
  '21610': 'Recipient has unsubscribed',
};

/** The first value of a field, storable, or undefined when absent or empty. */
function one(params: TwilioParams, key: string, max = 4096): string | undefined {
  const v = Object.hasOwn(params, key) ? params[key] : undefined;
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.length ? storableString(s).slice(0, max) || undefined : undefined;
}

/** Required fields, all reported at once (400 with every missing or malformed one). */
function required(params: TwilioParams, rules: Record<string, RegExp>): Record<string, string> {
  const errors: FieldError[] = [];
  const out: Record<string, string> = {};
  for (const [field, pattern] of Object.entries(rules)) {
    const value = one(params, field, 255);
    if (!value || !pattern.test(value)) errors.push({ field, message: value ? `${field} is malformed` : `${field} is required` });
    else out[field] = value;
  }
  if (errors.length) throw new ValidationError('Invalid Twilio webhook', errors);
  return out;
}

function mediaType(mime: string | undefined): string {
  const top = mime?.split('/')[0];
  return top === 'image' || top === 'audio' || top === 'video' ? top : 'document';
}

/** `NumMedia` items (`MediaUrlN`, `MediaContentTypeN`) as attachments; the media SID is the URL's last segment. */
function attachments(params: TwilioParams, caption: string | undefined): InboundAttachment[] {
  const count = Math.min(Number(one(params, 'NumMedia') ?? 0) || 0, MAX_MEDIA);
  const out: InboundAttachment[] = [];
  for (let i = 0; i < count; i++) {
    const url = one(params, `MediaUrl${i}`, 2048);
    if (!url) continue;
    const mimeType = one(params, `MediaContentType${i}`, 255);
    const sid = url.split('/').pop();
    out.push({ type: mediaType(mimeType), mimeType, url, providerMediaId: sid && SID.test(sid) ? sid : undefined, caption: i === 0 ? caption : undefined });
  }
  return out;
}

/** Our number as Twilio names it in `To` (without `whatsapp:`): E.164, like the channel's provider_account. */
function ourNumber(params: TwilioParams): string | undefined {
  return one(params, 'To', 255)?.replace(/^whatsapp:/i, '');
}

/** An inbound SMS/WhatsApp message (the Messaging webhook) as a provider-neutral event; 400 without MessageSid or From. */
export function parseInboundMessage(channel: AddressChannel, params: TwilioParams): InboundMessageEvent {
  const { MessageSid, From } = required(params, { MessageSid: SID, From: /./ });
  const text = one(params, 'Body') ?? '';
  const media = attachments(params, text || undefined);
  const lat = one(params, 'Latitude');
  const lon = one(params, 'Longitude');
  let contentType: ContentType = 'text';
  let body = text;
  if (media.length) contentType = media[0].type as ContentType;
  else if (lat && lon) {
    contentType = 'location';
    body = one(params, 'Address') ?? one(params, 'Label') ?? `${lat},${lon}`;
  }
  return {
    kind: 'message',
    externalId: MessageSid,
    from: fromTwilioAddress(channel, From),
    to: ourNumber(params),
    contactName: one(params, 'ProfileName', 255),
    timestamp: new Date(),
    contentType,
    text: body,
    attachments: media,
    payload: params,
  };
}

/** A message status callback as a status event; undefined for statuses that say nothing about delivery (receiving, ...). */
export function parseMessageStatus(params: TwilioParams): InboundStatusEvent | undefined {
  const { MessageSid, MessageStatus } = required(params, { MessageSid: SID, MessageStatus: /^[a-z_]{1,32}$/ });
  const status = STATUS_MAP[MessageStatus];
  if (!status) return undefined;
  const errorCode = status === 'FAILED' ? one(params, 'ErrorCode', 64) : undefined;
  return {
    kind: 'status',
    externalId: MessageSid,
    status,
    timestamp: new Date(),
    recipient: one(params, 'To', 255),
    errorCode,
    errorMessage: errorCode ? (one(params, 'ErrorMessage') ?? ERROR_TEXT[errorCode] ?? `Twilio error ${errorCode}`) : undefined,
  };
}

/** An incoming call (the Voice webhook) as a `call` message in the caller's conversation; 400 without CallSid or From. */
export function parseIncomingCall(channel: AddressChannel, params: TwilioParams): InboundMessageEvent {
  const { CallSid, From } = required(params, { CallSid: SID, From: /./ });
  return {
    kind: 'message',
    externalId: CallSid,
    from: fromTwilioAddress(channel, From),
    to: ourNumber(params),
    contactName: one(params, 'CallerName', 255),
    timestamp: new Date(),
    contentType: 'call',
    text: '',
    attachments: [],
    payload: params,
    metadata: { call_status: one(params, 'CallStatus', 32) ?? 'ringing', direction: one(params, 'Direction', 32) ?? 'inbound' },
  };
}

/** A call status callback: the call, its status and, once it ended, its duration in seconds. */
export function parseCallStatus(params: TwilioParams): { callSid: string; details: { call_status: string; duration_seconds?: number } } {
  const { CallSid, CallStatus } = required(params, { CallSid: SID, CallStatus: /^[a-z-]{1,32}$/ });
  const duration = Number(one(params, 'CallDuration'));
  return { callSid: CallSid, details: { call_status: CallStatus, ...(Number.isInteger(duration) && duration >= 0 ? { duration_seconds: duration } : {}) } };
}

/** The `<Record>` result: where the voicemail is and how long it is. */
export function parseRecording(params: TwilioParams): { callSid: string; details: Record<string, unknown> } {
  const { CallSid, RecordingUrl } = required(params, { CallSid: SID, RecordingUrl: /^https:\/\// });
  const duration = Number(one(params, 'RecordingDuration'));
  return {
    callSid: CallSid,
    details: { recording_url: RecordingUrl, recording_sid: one(params, 'RecordingSid', 64), ...(Number.isInteger(duration) && duration >= 0 ? { recording_duration_seconds: duration } : {}) },
  };
}
