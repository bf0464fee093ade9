import type { Logger } from 'pino';
import { companyScope, type AuthUser } from '../../../../shared/auth/permissions';
import { CapabilityNotSupportedError, ConflictError, NotFoundError, ValidationError } from '../../../../shared/errors/app-error';
import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { ConversationEntity } from '../../domain/entities/conversation.entity';
import type { MessageEntity } from '../../domain/entities/message.entity';
import { normaliseAddress } from '../../domain/channel-address.rule';
import { canMoveTo } from '../../domain/message-status.rule';
import type { RealtimePublisher } from '../../domain/ports/realtime-publisher.port';
import type { ChannelRepository } from '../../domain/repositories/channel.repository.interface';
import type { ConversationRepository } from '../../domain/repositories/conversation.repository.interface';
import type { MessageRepository } from '../../domain/repositories/message.repository.interface';
import type { SendMessageDto, UpdateMessageStatusDto } from '../../shared/dtos/message.dto';
import type { OutboundQueue } from '../ports/outbound-queue.port';
import type { ChannelRuntimeService } from '../services/channel-runtime.service';

/** Message stories: send an agent's reply through the channel's provider, read one, change its status. */
export class MessageUseCases {
  constructor(
    private readonly messages: MessageRepository,
    private readonly conversations: ConversationRepository,
    private readonly channels: ChannelRepository,
    private readonly runtime: ChannelRuntimeService,
    private readonly publisher: RealtimePublisher,
    private readonly logger: Logger,
    private readonly queue: OutboundQueue,
  ) {}

  /**
   * Stores the reply PENDING and hands it to the outbound queue; its worker (OutboundSendUseCase)
   * sends it and stores SENT or FAILED. Returns the message as stored (PENDING).
   */
  async send(user: AuthUser, dto: SendMessageDto): Promise<MessageEntity> {
    const { channel, conversation: existing } = await this.resolveTarget(user, dto);
    // Every refusal comes before anything is stored, including a new conversation.
    if (!channel.isActive) throw new ConflictError('Channel is not active', 'CHANNEL_INACTIVE');
    const provider = await this.runtime.getProvider(channel);
    const media = dto.content_type !== 'text';
    if (!provider.supports(media ? 'send_media' : 'send_text')) throw new CapabilityNotSupportedError(media ? 'sending media' : 'sending text', channel.provider);
    const attachments = (dto.attachments ?? []).map((a) => ({ url: a.url, mimeType: a.mime_type, filename: a.filename }));
    const conversation = existing ?? (await this.openConversation(channel, dto.to!));
    const account = (channel.config.account as { display_phone_number?: string } | undefined)?.display_phone_number;
    const pending = await this.messages.createOutgoing({
      companyId: channel.companyId,
      channelId: channel.id,
      conversationId: conversation.id,
      // Same format as inbound `to` (Meta's metadata.display_phone_number): digits only.
      from: account ? account.replace(/\D/g, '') : channel.providerAccount,
      to: conversation.externalId,
      message: dto.message,
      contentType: dto.content_type,
      metadata: { ...(dto.metadata ?? {}), sent_by: user.id },
      attachments: attachments.map((a) => ({ ...a, type: dto.content_type, caption: dto.message || undefined })),
    });
    this.publisher.messageCreated(pending, { ...conversation, lastMessageAt: pending.timestamp });
    // The queue's worker sends it; a failed enqueue leaves it PENDING for the worker's recovery sweep.
    await this.queue.enqueue(pending.id, channel.id).catch((err) =>
      this.logger.error({ module: 'messages', operation: 'send', channel_id: channel.id, message_id: pending.id, err }, 'enqueue failed; the recovery sweep enqueues it again'),
    );
    this.logger.info({ module: 'messages', operation: 'send', channel_id: channel.id, conversation_id: conversation.id, message_id: pending.id, success: true }, 'message queued');
    return pending;
  }

  /** The open conversation with `to` on the channel, announced when this send opened it. */
  private async openConversation(channel: ChannelEntity, to: string): Promise<ConversationEntity> {
    const opened = await this.conversations.findOrCreateOpen({ companyId: channel.companyId, channelId: channel.id, externalId: normaliseAddress(channel, to, 'to'), assignedAgentId: channel.defaultAgentId });
    if (opened.created) this.publisher.conversationUpdated(opened.conversation, 'created');
    return opened.conversation;
  }

  /** A message of the caller's company; another company's is a 404. */
  async get(user: AuthUser, id: string): Promise<MessageEntity> {
    const message = await this.messages.findById(id, companyScope(user));
    if (!message) throw new NotFoundError('Message');
    return message;
  }

  /** Manual status change under the same rule as provider statuses; a backwards move is a 409. */
  async updateStatus(user: AuthUser, id: string, dto: UpdateMessageStatusDto): Promise<MessageEntity> {
    const message = await this.get(user, id);
    if (message.status === dto.status) return message;
    if (!canMoveTo(message.status, dto.status)) {
      throw new ConflictError(`Message status cannot change from ${message.status} to ${dto.status}`, 'ILLEGAL_STATUS_CHANGE');
    }
    const change = await this.messages.updateStatusById(message.id, { status: dto.status });
    // Lost a race with a provider status that moved it further: report the same conflict.
    if (!change) throw new ConflictError(`Message status cannot change to ${dto.status}`, 'ILLEGAL_STATUS_CHANGE');
    this.publisher.messageStatus(change.message, change.previousStatus);
    return (await this.messages.findById(message.id))!;
  }

  /** The channel and, when the request names one, the conversation; a recipient's conversation is found or opened later. */
  private async resolveTarget(user: AuthUser, dto: SendMessageDto): Promise<{ channel: ChannelEntity; conversation?: ConversationEntity }> {
    const scope = companyScope(user);
    if (dto.conversation_id) {
      const conversation = await this.conversations.findById(dto.conversation_id, scope);
      if (!conversation) throw new NotFoundError('Conversation');
      if (conversation.status === 'closed') throw new ConflictError('Conversation is closed', 'CONVERSATION_CLOSED');
      // The socket's send_message names both; a conversation of another channel is a client mistake.
      if (dto.channel_id && dto.channel_id !== conversation.channelId) {
        throw new ValidationError('Conversation does not belong to the channel', [{ field: 'conversation_id', message: 'conversation_id is not a conversation of channel_id' }]);
      }
      const channel = await this.channels.findById(conversation.channelId, scope);
      if (!channel) throw new NotFoundError('Channel');
      return { channel, conversation };
    }
    const channel = await this.channels.findById(dto.channel_id!, scope);
    if (!channel) throw new NotFoundError('Channel');
    normaliseAddress(channel, dto.to!, 'to');
    return { channel };
  }
}
