/** The events of whatsapp-web.js `Client` the provider listens to. */
export type WhatsappClientEvent = 'qr' | 'authenticated' | 'ready' | 'disconnected' | 'auth_failure' | 'message' | 'message_ack' | 'message_reaction';

/** The part of a whatsapp-web.js `Message` the provider reads (field names as in the library). */
export interface WhatsappWebMessage {
  id: { _serialized: string; fromMe?: boolean };
  from: string;
  to?: string;
  body: string;
  type: string;
  timestamp: number;
  hasMedia?: boolean;
  fromMe?: boolean;
  /** True for contacts' status updates (from status@broadcast). */
  isStatus?: boolean;
  location?: { latitude: number | string; longitude: number | string; description?: string; name?: string; address?: string };
  vCards?: string[];
  /** Raw fields: notifyName (the sender's push name), mimetype, filename, reaction fields. */
  _data?: Record<string, unknown>;
  /** Downloads the media of a media message (base64 data), as the library's `Message.downloadMedia`. */
  downloadMedia?(): Promise<WhatsappMedia | undefined>;
}

/** The part of a whatsapp-web.js `Reaction` (event `message_reaction`) the provider reads. */
export interface WhatsappWebReaction {
  id: { _serialized: string; fromMe?: boolean; remote?: string };
  /** The emoji; empty when the reaction was removed. */
  reaction: string;
  timestamp: number;
  senderId: string;
  msgId?: { _serialized: string };
}

/** Media as whatsapp-web.js `MessageMedia` holds it: base64 data with its mime type. */
export interface WhatsappMedia {
  mimetype: string;
  data: string;
  filename?: string | null;
}

/** Options of `sendMessage` we use (names as in the library). */
export interface WhatsappSendOptions {
  caption?: string;
  sendMediaAsDocument?: boolean;
}

/**
 * The subset of whatsapp-web.js `Client` we use, so the provider can run on the real library or on
 * a fake in tests with the same event names and method signatures.
 */
export interface WhatsappWebClient {
  /** Set once the client is ready: the logged-in account. */
  info?: { wid: { user: string } };
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  on(event: WhatsappClientEvent, handler: (...args: any[]) => void): unknown;
  getState(): Promise<string | null>;
  /** A chat, to read its latest messages (the library's `Client.getChatById` and `Chat.fetchMessages`). */
  getChatById(chatId: string): Promise<{ fetchMessages(options: { limit: number; fromMe?: boolean }): Promise<WhatsappWebMessage[]> }>;
  /** Unlinks this device from the phone (the library's `Client.logout`). */
  logout(): Promise<void>;
  /** Text, or media (the real adapter wraps it in the library's `MessageMedia`). */
  sendMessage(chatId: string, content: string | WhatsappMedia, options?: WhatsappSendOptions): Promise<WhatsappWebMessage>;
}

/** Builds a client for one channel (the real one uses RemoteAuth with `clientId` = channel id). */
export type WhatsappClientFactory = (channelId: string) => WhatsappWebClient;
