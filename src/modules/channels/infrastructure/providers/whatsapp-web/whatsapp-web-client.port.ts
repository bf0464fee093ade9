/** The events of whatsapp-web.js `Client` the provider listens to. */
export type WhatsappClientEvent = 'qr' | 'authenticated' | 'ready' | 'disconnected' | 'auth_failure' | 'message' | 'message_ack';

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
  location?: { latitude: number | string; longitude: number | string; description?: string; name?: string; address?: string };
  vCards?: string[];
  /** Raw fields: notifyName (the sender's push name), mimetype, filename, reaction fields. */
  _data?: Record<string, unknown>;
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
  sendMessage(chatId: string, content: string): Promise<WhatsappWebMessage>;
}

/** Builds a client for one channel (the real one uses RemoteAuth with `clientId` = channel id). */
export type WhatsappClientFactory = (channelId: string) => WhatsappWebClient;
