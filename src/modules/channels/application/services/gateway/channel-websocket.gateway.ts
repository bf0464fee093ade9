import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { JwtService } from '../../../../../shared/auth/jwt.service';
import type { ConversationEntity } from '../../../domain/entities/conversation.entity';
import type { MessageEntity, MessageStatus } from '../../../domain/entities/message.entity';
import type { RealtimePublisher } from '../../../domain/ports/realtime-publisher.port';
import { toConversationDto, toMessageDto } from '../../../infrastructure/mappers/dto.mapper';
import { socketAuth } from './socket-auth.middleware';
import { ALL_COMPANIES_ROOM, companyRoom, registerMessageNamespace, type MessageNamespace } from './message-namespace.handler';

/** Options of the Socket.IO server. */
export interface GatewayOptions {
  corsOrigins: string[] | '*';
  /** Optional adapter factory (the Redis adapter when REDIS_URL is set). */
  adapter?: Parameters<Server['adapter']>[0];
}

/** The Socket.IO gateway: owns the server and namespaces and pushes stored changes to agents. */
export class ChannelWebSocketGateway implements RealtimePublisher {
  private io?: Server;
  private messageNs?: MessageNamespace;

  constructor(
    private readonly jwt: JwtService,
    private readonly options: GatewayOptions,
  ) {}

  /** Attaches Socket.IO to the HTTP server and registers every namespace. */
  attach(httpServer: HttpServer): Server {
    this.io = new Server(httpServer, {
      cors: { origin: this.options.corsOrigins === '*' ? '*' : this.options.corsOrigins },
      adapter: this.options.adapter,
      serveClient: false,
    });
    // The main namespace serves nothing; without a guard it would accept anyone.
    this.io.use(socketAuth(this.jwt));
    this.messageNs = this.io.of('/message') as MessageNamespace;
    registerMessageNamespace(this.messageNs, this.jwt);
    return this.io;
  }

  messageReceived(message: MessageEntity, conversation: ConversationEntity): void {
    this.messageNs?.to([companyRoom(message.companyId), ALL_COMPANIES_ROOM]).emit('message_received', {
      message: toMessageDto(message),
      conversation: toConversationDto(conversation),
    });
  }

  messageCreated(message: MessageEntity, conversation: ConversationEntity): void {
    this.messageNs?.to([companyRoom(message.companyId), ALL_COMPANIES_ROOM]).emit('message_created', {
      message: toMessageDto(message),
      conversation: toConversationDto(conversation),
    });
  }

  messageStatus(message: MessageEntity, previousStatus: MessageStatus): void {
    this.messageNs?.to([companyRoom(message.companyId), ALL_COMPANIES_ROOM]).emit('message_status', {
      message_id: message.id,
      conversation_id: message.conversationId,
      channel_id: message.channelId,
      external_id: message.externalId,
      status: message.status,
      previous_status: previousStatus,
      error_code: message.errorCode,
      error_message: message.errorMessage,
      updated_at: message.updatedAt,
    });
  }

  conversationUpdated(conversation: ConversationEntity, change: string): void {
    this.messageNs?.to([companyRoom(conversation.companyId), ALL_COMPANIES_ROOM]).emit('conversation_updated', {
      change,
      conversation: toConversationDto(conversation),
    });
  }

  /** Disconnects every client and closes the server (HTTP server closing is the caller's). */
  async close(): Promise<void> {
    if (!this.io) return;
    const io = this.io;
    this.io = undefined;
    // local: with the Redis adapter a plain disconnectSockets would drop every instance's clients.
    io.of('/message').local.disconnectSockets(true);
    await new Promise<void>((resolve) => io.close(() => resolve()));
  }
}
