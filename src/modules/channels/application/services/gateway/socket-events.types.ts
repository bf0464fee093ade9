import type { Namespace, Socket } from 'socket.io';
import type { AuthUser } from '../../../../../shared/auth/permissions';

/** Acknowledgement callback of a client request (optional on every client event). */
export type Ack<T = unknown> = (response: { success: boolean; data?: T; error?: string; code?: string }) => void;

/** An error answered on any namespace. */
export interface SocketErrorPayload {
  message: string;
  code: string;
  event?: string;
}

/** Per-socket data: the authenticated user, when there is one. */
export interface SocketData {
  user?: AuthUser;
  /** /auth only: why a handshake token was refused. */
  handshakeError?: { message: string; code: string };
  /** Disconnects the socket when its token expires. */
  expiryTimer?: NodeJS.Timeout;
  expiryCleanup?: boolean;
}

/** Sent to every socket just before the server disconnects it on shutdown. */
export interface ShutdownEvents {
  server_shutdown: (payload: { reason: string }) => void;
  auth_expired: (payload: { message: string }) => void;
}

// ---- /auth ----------------------------------------------------------------------------------
export interface AuthClientToServerEvents {
  authenticate: (payload: { token?: unknown }, ack?: Ack) => void;
}
export interface AuthServerToClientEvents extends ShutdownEvents {
  authenticated: (payload: { user: { id: string; company_id: number; role: string; permissions: string[]; expires_at: string | null } }) => void;
  auth_error: (payload: SocketErrorPayload) => void;
}

// ---- /channel -------------------------------------------------------------------------------
/** The channel events of the seed list, pushed to sockets that joined the channel. */
export const CHANNEL_EVENTS = [
  'channel.status.updated',
  'channel.message.received',
  'channel.auth.required',
  'channel.disconnected',
  'channel.auth_failure',
  'channel.disconnect_error',
  'channel.auth_failure_error',
  'channel.session_cleaned',
  'channel.started',
  'channel.stopped',
] as const;
export type ChannelEventName = (typeof CHANNEL_EVENTS)[number];

/** Every channel event carries the channel id and when it happened. */
export interface ChannelEventPayload {
  channelId: string;
  timestamp: string;
  [key: string]: unknown;
}

export interface ChannelClientToServerEvents {
  'channel.join': (payload: { channelId?: unknown }, ack?: Ack) => void;
  'channel.leave': (payload: { channelId?: unknown }, ack?: Ack) => void;
  'channel.status': (payload: { channelId?: unknown }, ack?: Ack) => void;
}
export type ChannelServerToClientEvents = ShutdownEvents & {
  [E in ChannelEventName]: (payload: ChannelEventPayload) => void;
} & {
  'channel.joined': (payload: ChannelEventPayload) => void;
  'channel.left': (payload: { channelId: string }) => void;
  'channel.status_response': (payload: ChannelEventPayload) => void;
  'channel.error': (payload: SocketErrorPayload) => void;
};

// ---- /message -------------------------------------------------------------------------------
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

export interface MessageClientToServerEvents {
  send_message: (payload: { channelId?: unknown; message?: unknown; recipient?: unknown; conversationId?: unknown }, ack?: Ack) => void;
}
export interface MessageServerToClientEvents extends ShutdownEvents {
  message_received: (payload: { message: unknown; conversation: unknown }) => void;
  message_created: (payload: { message: unknown; conversation: unknown }) => void;
  message_status: (payload: MessageStatusPayload) => void;
  conversation_updated: (payload: { change: string; conversation: unknown }) => void;
  message_sent: (payload: { message: unknown }) => void;
  message_error: (payload: SocketErrorPayload & { data?: unknown }) => void;
}

// ---- /system --------------------------------------------------------------------------------
export interface SystemClientToServerEvents {
  health_check: (payload?: unknown, ack?: Ack) => void;
  ping: (payload: { timestamp?: unknown }, ack?: Ack) => void;
  stats: (payload?: unknown, ack?: Ack) => void;
}
export interface SystemServerToClientEvents extends ShutdownEvents {
  health_response: (payload: unknown) => void;
  pong: (payload: { timestamp: unknown; serverTime: number }) => void;
  stats_response: (payload: unknown) => void;
  system_error: (payload: SocketErrorPayload) => void;
}

// ---- typed namespaces and sockets (Server<ClientToServer, ServerToClient, InterServer, SocketData>) ----
type NoInterServerEvents = Record<string, never>;
export type AuthNamespace = Namespace<AuthClientToServerEvents, AuthServerToClientEvents, NoInterServerEvents, SocketData>;
export type AuthSocket = Socket<AuthClientToServerEvents, AuthServerToClientEvents, NoInterServerEvents, SocketData>;
export type ChannelNamespace = Namespace<ChannelClientToServerEvents, ChannelServerToClientEvents, NoInterServerEvents, SocketData>;
export type ChannelSocket = Socket<ChannelClientToServerEvents, ChannelServerToClientEvents, NoInterServerEvents, SocketData>;
export type MessageNamespace = Namespace<MessageClientToServerEvents, MessageServerToClientEvents, NoInterServerEvents, SocketData>;
export type MessageSocket = Socket<MessageClientToServerEvents, MessageServerToClientEvents, NoInterServerEvents, SocketData>;
export type SystemNamespace = Namespace<SystemClientToServerEvents, SystemServerToClientEvents, NoInterServerEvents, SocketData>;
export type SystemSocket = Socket<SystemClientToServerEvents, SystemServerToClientEvents, NoInterServerEvents, SocketData>;
