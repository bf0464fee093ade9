import type { AuthUser } from '../../../../../shared/auth/permissions';

/** Acknowledgement of a client request. */
export type Ack<T> = (response: { success: boolean; data?: T; error?: string }) => void;

/** Events the /message namespace emits to agents. */
export interface MessageServerToClientEvents {
  message_received: (payload: { message: unknown; conversation: unknown }) => void;
  message_created: (payload: { message: unknown; conversation: unknown }) => void;
  message_status: (payload: MessageStatusPayload) => void;
  conversation_updated: (payload: { change: string; conversation: unknown }) => void;
}

/** Events agents send on /message (send_message arrives with the next issue). */
export type MessageClientToServerEvents = Record<string, never>;

/** Payload of message_status. */
export interface MessageStatusPayload {
  message_id: string;
  conversation_id: string;
  channel_id: string;
  external_id: string | null;
  status: string;
  previous_status: string;
  error_code: string | null;
  error_message: string | null;
  updated_at: Date;
}

/** Per-socket data: the authenticated user. */
export interface SocketData {
  user: AuthUser;
  tokenExp?: number;
}
