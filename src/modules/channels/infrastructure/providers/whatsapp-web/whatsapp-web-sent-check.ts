import { ProviderSendError } from '../base.provider';
import type { WhatsappWebClient } from './whatsapp-web-client.port';
import { withTimeout } from './with-timeout';

/** What a resend looks for: our text (or media caption) to the chat since the first attempt began. */
export interface SentLookup {
  chatId: string;
  text: string;
  media: boolean;
  since: number;
}

/**
 * The id of our message matching `lookup` in the chat's last messages, if WhatsApp has it. A chat
 * that cannot be read is an unknown outcome (ProviderSendError with outcomeUnknown): never resend then.
 */
export async function findOwnMessage(client: WhatsappWebClient, lookup: SentLookup, timeoutMs: number): Promise<string | undefined> {
  try {
    const chat = await withTimeout(client.getChatById(lookup.chatId), timeoutMs, 'WhatsApp Web chat');
    const recent = await withTimeout(chat.fetchMessages({ limit: 20, fromMe: true }), timeoutMs, 'WhatsApp Web chat history');
    // Clocks of phone and server differ by seconds: a small margin before the send started.
    const hit = [...recent].reverse().find((m) => (m.fromMe || m.id?.fromMe) && (m.body ?? '') === lookup.text && (m.type !== 'chat') === lookup.media && Number(m.timestamp) * 1000 >= lookup.since - 5000);
    return hit?.id._serialized;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ProviderSendError('BROWSER_GONE', `WhatsApp Web went away during the send and the chat could not be checked: ${reason}`, true, true);
  }
}
