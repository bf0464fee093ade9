import type { InboundMessageEvent } from '../../../domain/inbound-event';
import type { WhatsappMedia, WhatsappWebMessage } from './whatsapp-web-client.port';
import { withTimeout } from './with-timeout';

/** Where media files go and come from (files under DATA_DIR, or another configured store). */
export interface MediaStore {
  /** Saves a received file; `url` is where agents fetch it from. */
  save(channelId: string, file: { data: Buffer; mimeType: string; filename?: string }): Promise<{ url: string; sha256: string; sizeBytes: number }>;
  /** Fetches a file to send (public http(s) URLs only), bounded in size and time. */
  fetch(url: string): Promise<{ data: Buffer; mimeType: string }>;
  /** Largest file kept or sent, in bytes. */
  readonly maxBytes: number;
}

/**
 * Downloads the media of a received message and saves it, filling the event's attachment (file url,
 * sha256, size, mime type). A failed or oversized download keeps the message with the attachment
 * unsaved: the text and the fact that media came are never lost for a file.
 */
export async function attachDownloadedMedia(
  event: InboundMessageEvent,
  message: WhatsappWebMessage,
  channelId: string,
  store: MediaStore,
  timeoutMs: number,
): Promise<string | undefined> {
  const attachment = event.attachments[0];
  if (!attachment || !message.hasMedia || !message.downloadMedia) return undefined;
  try {
    const media = await withTimeout(message.downloadMedia(), timeoutMs, 'WhatsApp Web media download');
    if (!media?.data) return 'media no longer available on the phone';
    const data = Buffer.from(media.data, 'base64');
    if (data.length > store.maxBytes) return `media of ${data.length} bytes is over the ${store.maxBytes}-byte limit`;
    const saved = await store.save(channelId, { data, mimeType: media.mimetype, filename: media.filename ?? attachment.filename });
    Object.assign(attachment, { url: saved.url, sha256: saved.sha256, sizeBytes: saved.sizeBytes, mimeType: media.mimetype || attachment.mimeType, filename: media.filename ?? attachment.filename });
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** An outgoing attachment as the library's media (base64), fetched from its URL. */
export async function toWhatsappMedia(store: MediaStore, item: { url: string; mimeType: string; filename?: string }): Promise<WhatsappMedia> {
  const file = await store.fetch(item.url);
  return { mimetype: item.mimeType || file.mimeType, data: file.data.toString('base64'), filename: item.filename ?? null };
}
