import { storableString } from '../../../../../shared/database/storable-json';
import type { ContentType } from '../../../domain/entities/message.entity';
import type { InboundAttachment, InboundEvent, InboundMessageEvent, InboundStatusEvent } from '../../../domain/inbound-event';

/** Events of one WhatsApp number found in a Meta webhook. */
export interface MetaWebhookBatch {
  phoneNumberId: string;
  events: InboundEvent[];
}

const MEDIA_TYPES = new Set(['image', 'audio', 'video', 'document', 'sticker']);
const STATUS_MAP: Record<string, InboundStatusEvent['status']> = { sent: 'SENT', delivered: 'DELIVERED', read: 'READ', failed: 'FAILED' };

type Json = Record<string, any>;

/** Provider timestamps outside a sane range (or unparsable) fall back to the time of receipt. */
function toDate(unixSeconds: unknown): Date {
  const d = new Date(Number(unixSeconds) * 1000);
  const t = d.getTime();
  return Number.isFinite(t) && t > 0 && t < Date.UTC(2200, 0, 1) ? d : new Date();
}

// Signed input may still hold what PostgreSQL cannot store (NUL, lone surrogates): cleaned here.

/** A non-empty storable string cut to `max` characters, or undefined. */
function str(v: unknown, max = 255): string | undefined {
  return typeof v === 'string' && v.length ? storableString(v).slice(0, max) || undefined : undefined;
}

/** Free text (bodies, captions), storable. */
function text(v: unknown): string {
  return v === undefined || v === null ? '' : storableString(String(v));
}

/** An identifier used as a key: missing, unstorable or longer than its column means the event is unusable. */
function id(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= 255 && storableString(v) === v ? v : undefined;
}

/** Text and attachments of one Meta message by type; anything unknown becomes `unsupported`. */
function describe(m: Json): { contentType: ContentType; text: string; attachments: InboundAttachment[] } {
  const type = String(m.type ?? 'unsupported');
  if (type === 'text') return { contentType: 'text', text: text(m.text?.body), attachments: [] };
  if (MEDIA_TYPES.has(type) && m[type]) {
    const media = m[type] as Json;
    return {
      contentType: type as ContentType,
      text: text(media.caption),
      attachments: [{ type, mimeType: str(media.mime_type), providerMediaId: str(media.id), sha256: str(media.sha256, 128), caption: str(media.caption, 4096), filename: str(media.filename) }],
    };
  }
  if (type === 'location' && m.location) {
    const l = m.location as Json;
    const label = [l.name, l.address].filter(Boolean).join(', ');
    return { contentType: 'location', text: text(label || `${l.latitude},${l.longitude}`), attachments: [] };
  }
  if (type === 'contacts' && Array.isArray(m.contacts)) {
    const names = m.contacts.map((c: Json) => c?.name?.formatted_name).filter(Boolean);
    return { contentType: 'contacts', text: text(names.join(', ')), attachments: [] };
  }
  if (type === 'interactive' && m.interactive) {
    const i = m.interactive as Json;
    const reply = i.button_reply ?? i.list_reply ?? i.nfm_reply;
    return { contentType: 'interactive', text: text(reply?.title ?? reply?.body), attachments: [] };
  }
  if (type === 'button' && m.button) return { contentType: 'interactive', text: text(m.button.text), attachments: [] };
  if (type === 'reaction' && m.reaction) return { contentType: 'reaction', text: text(m.reaction.emoji), attachments: [] };
  return { contentType: 'unsupported', text: '', attachments: [] };
}

function parseMessage(m: Json, value: Json): InboundMessageEvent | undefined {
  const externalId = id(m?.id);
  const from = id(m?.from);
  if (!externalId || !from) return undefined;
  const contact = Array.isArray(value.contacts) ? value.contacts.find((c: Json) => c?.wa_id === from) ?? value.contacts[0] : undefined;
  return {
    kind: 'message',
    externalId,
    from,
    to: str(value.metadata?.display_phone_number),
    contactName: str(contact?.profile?.name),
    timestamp: toDate(m.timestamp),
    ...describe(m),
    payload: m,
  };
}

function parseStatus(s: Json): InboundStatusEvent | undefined {
  const status = STATUS_MAP[String(s?.status)];
  const externalId = id(s?.id);
  if (!status || !externalId) return undefined;
  const error = Array.isArray(s.errors) ? s.errors[0] : undefined;
  return {
    kind: 'status',
    externalId,
    status,
    timestamp: toDate(s.timestamp),
    recipient: str(s.recipient_id),
    errorCode: error?.code !== undefined ? str(String(error.code), 64) : undefined,
    errorMessage: error ? text(error.title ?? error.message) : undefined,
  };
}

/** Turns a Meta `whatsapp_business_account` webhook into provider-neutral events, grouped by phone number id. */
export function parseMetaWebhook(body: unknown): MetaWebhookBatch[] {
  const root = body as Json;
  if (!root || typeof root !== 'object' || !Array.isArray(root.entry)) return [];
  const batches = new Map<string, InboundEvent[]>();
  for (const entry of root.entry) {
    for (const change of Array.isArray(entry?.changes) ? entry.changes : []) {
      const value = change?.value as Json | undefined;
      const phoneNumberId = id(value?.metadata?.phone_number_id);
      if (!value || !phoneNumberId) continue;
      const events = batches.get(phoneNumberId) ?? [];
      for (const m of Array.isArray(value.messages) ? value.messages : []) {
        const e = parseMessage(m, value);
        if (e) events.push(e);
      }
      for (const s of Array.isArray(value.statuses) ? value.statuses : []) {
        const e = parseStatus(s);
        if (e) events.push(e);
      }
      batches.set(phoneNumberId, events);
    }
  }
  return [...batches].map(([phoneNumberId, events]) => ({ phoneNumberId, events }));
}
