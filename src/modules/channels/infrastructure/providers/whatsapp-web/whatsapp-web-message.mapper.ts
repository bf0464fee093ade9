import { storableString } from '../../../../../shared/database/storable-json';
import type { ContentType } from '../../../domain/entities/message.entity';
import type { InboundAttachment, InboundMessageEvent, InboundStatusEvent } from '../../../domain/inbound-event';
import type { WhatsappWebMessage, WhatsappWebReaction } from './whatsapp-web-client.port';

const MEDIA_TYPES: Record<string, ContentType> = { image: 'image', video: 'video', audio: 'audio', ptt: 'audio', document: 'document', sticker: 'sticker' };

/** whatsapp-web.js ack values: -1 error, 1 server, 2 device, 3 read, 4 played (0 pending is not news). */
const ACK_STATUS: Record<number, InboundStatusEvent['status']> = { [-1]: 'FAILED', 1: 'SENT', 2: 'DELIVERED', 3: 'READ', 4: 'READ' };

/**
 * `15551234567@c.us` -> `15551234567`: the address conversations use, like Meta's wa_id. A group
 * (`...@g.us`) keeps its whole id, so a reply goes back to the group and not to a private chat.
 */
export function addressOf(jid: string | undefined): string | undefined {
  if (!jid) return undefined;
  if (jid.endsWith('@g.us')) return jid;
  return jid.split('@')[0] || undefined;
}

/** Contacts' status updates (stories) come as messages from this address: they are not conversations. */
const STATUS_BROADCAST = 'status@broadcast';

function toDate(unixSeconds: number): Date {
  const d = new Date(Number(unixSeconds) * 1000);
  return Number.isFinite(d.getTime()) && d.getTime() > 0 ? d : new Date();
}

function text(v: unknown): string {
  return v === undefined || v === null ? '' : storableString(String(v));
}

/** FN (full name) lines of vCards, for a readable text of a contacts message. */
function vcardNames(cards: string[]): string[] {
  return cards.map((c) => /^FN[^:]*:(.*)$/m.exec(c)?.[1]?.trim()).filter((n): n is string => Boolean(n));
}

function describe(m: WhatsappWebMessage): { contentType: ContentType; text: string; attachments: InboundAttachment[] } {
  const media = MEDIA_TYPES[m.type];
  if (media) {
    const mimeType = typeof m._data?.mimetype === 'string' ? m._data.mimetype : undefined;
    const filename = typeof m._data?.filename === 'string' ? m._data.filename : undefined;
    const caption = m.body ? text(m.body) : undefined;
    return { contentType: media, text: caption ?? '', attachments: [{ type: media, mimeType, filename, caption }] };
  }
  if (m.type === 'location' && m.location) {
    const l = m.location;
    const label = l.description ?? [l.name, l.address].filter(Boolean).join(', ');
    return { contentType: 'location', text: text(label || `${l.latitude},${l.longitude}`), attachments: [] };
  }
  if (m.type === 'vcard' || m.type === 'multi_vcard') {
    const cards = m.vCards?.length ? m.vCards : [m.body];
    return { contentType: 'contacts', text: text(vcardNames(cards).join(', ')), attachments: [] };
  }
  if (m.type === 'reaction') return { contentType: 'reaction', text: text(m.body || m._data?.reactionText), attachments: [] };
  if (m.type === 'chat') return { contentType: 'text', text: text(m.body), attachments: [] };
  return { contentType: 'unsupported', text: text(m.body), attachments: [] };
}

/** A whatsapp-web.js message as a provider-neutral event; undefined for our own or unusable ones. */
export function toInboundMessage(m: WhatsappWebMessage): InboundMessageEvent | undefined {
  const externalId = m?.id?._serialized;
  const from = addressOf(m?.from);
  if (!externalId || externalId.length > 255 || !from || m.fromMe || m.id.fromMe || m.from === STATUS_BROADCAST || m.isStatus) return undefined;
  const notifyName = m._data?.notifyName;
  return {
    kind: 'message',
    externalId,
    from,
    to: addressOf(m.to),
    contactName: typeof notifyName === 'string' && notifyName ? text(notifyName).slice(0, 255) : undefined,
    timestamp: toDate(m.timestamp),
    ...describe(m),
    // The raw fields only: the library's object holds a reference to the whole client.
    payload: { id: externalId, type: m.type, from: m.from, to: m.to, timestamp: m.timestamp, hasMedia: Boolean(m.hasMedia) },
  };
}

/** A `message_reaction` (the library's Reaction) as a reaction message; undefined for our own reactions. */
export function toReactionMessage(r: WhatsappWebReaction): InboundMessageEvent | undefined {
  const externalId = r?.id?._serialized;
  const from = addressOf(r?.senderId);
  if (!externalId || externalId.length > 255 || !from || r.id.fromMe || r.id.remote === STATUS_BROADCAST) return undefined;
  // The library passes WhatsApp's value: seconds, sometimes milliseconds.
  const ts = Number(r.timestamp);
  return {
    kind: 'message',
    externalId,
    from,
    timestamp: toDate(ts > 1e12 ? ts / 1000 : ts),
    contentType: 'reaction',
    text: text(r.reaction),
    attachments: [],
    payload: { id: externalId, type: 'reaction', from: r.senderId, reactedTo: r.msgId?._serialized ?? null, removed: !r.reaction, timestamp: r.timestamp },
  };
}

/** A `message_ack` as a status event; undefined for acks that are not a status change. */
export function toStatusEvent(m: WhatsappWebMessage, ack: number): InboundStatusEvent | undefined {
  const status = ACK_STATUS[ack];
  const externalId = m?.id?._serialized;
  if (!status || !externalId) return undefined;
  return {
    kind: 'status',
    externalId,
    status,
    timestamp: new Date(),
    recipient: addressOf(m.to),
    ...(status === 'FAILED' ? { errorCode: 'WA_ACK_ERROR', errorMessage: 'WhatsApp reported the message as failed' } : {}),
  };
}
