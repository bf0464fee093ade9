import { companyScope, type AuthUser } from '../../../../shared/auth/permissions';
import { ForbiddenError, NotFoundError } from '../../../../shared/errors/app-error';
import { normaliseAddress } from '../../domain/channel-address.rule';
import type { ConversationEntity } from '../../domain/entities/conversation.entity';
import type { MessageEntity } from '../../domain/entities/message.entity';
import type { RealtimePublisher } from '../../domain/ports/realtime-publisher.port';
import type { ChannelRepository } from '../../domain/repositories/channel.repository.interface';
import type { CompanyRepository } from '../../domain/repositories/company.repository.interface';
import type { ConversationRepository } from '../../domain/repositories/conversation.repository.interface';
import type { MessageRepository } from '../../domain/repositories/message.repository.interface';
import type { Page } from '../../domain/repositories/pagination';
import type { CreateConversationDto, ListConversationsQuery, UpdateConversationDto } from '../../shared/dtos/conversation.dto';
import type { ListMessagesQuery } from '../../shared/dtos/message.dto';
import { assertAgentOfCompany, listScope } from './access';

/** Conversation stories: open one, read, change status, assign and unassign agents, read its messages. */
export class ConversationUseCases {
  constructor(
    private readonly conversations: ConversationRepository,
    private readonly channels: ChannelRepository,
    private readonly messages: MessageRepository,
    private readonly companies: CompanyRepository,
    private readonly publisher: RealtimePublisher,
  ) {}

  async create(user: AuthUser, dto: CreateConversationDto): Promise<ConversationEntity> {
    const channel = await this.channels.findById(dto.channel_id, companyScope(user));
    if (!channel) throw new NotFoundError('Channel');
    if (dto.company_id !== undefined && dto.company_id !== channel.companyId) {
      throw new ForbiddenError('company_id does not match the channel', 'FORBIDDEN_COMPANY');
    }
    await assertAgentOfCompany(this.companies, dto.assigned_agent_id, channel.companyId, 'assigned_agent_id');
    const conversation = await this.conversations.create({
      companyId: channel.companyId,
      channelId: channel.id,
      externalId: normaliseAddress(channel, dto.external_id, 'external_id'),
      status: dto.status,
      assignedAgentId: dto.assigned_agent_id ?? channel.defaultAgentId,
      participantId: dto.participant_id,
      participantMeta: dto.participant_meta ?? undefined,
      participantType: dto.participant_type,
    });
    this.publisher.conversationUpdated(conversation, 'created');
    return conversation;
  }

  /** A conversation of the caller's company; another company's is a 404. */
  async get(user: AuthUser, id: string): Promise<ConversationEntity> {
    const conversation = await this.conversations.findById(id, companyScope(user));
    if (!conversation) throw new NotFoundError('Conversation');
    return conversation;
  }

  async list(user: AuthUser, query: ListConversationsQuery): Promise<Page<ConversationEntity>> {
    const companyId = listScope(user, query.company_id);
    return this.conversations.list(
      { companyId, channelId: query.channel_id, status: query.status, assignedAgentId: query.assigned_agent_id, externalId: query.external_id },
      query,
    );
  }

  async update(user: AuthUser, id: string, dto: UpdateConversationDto): Promise<ConversationEntity> {
    const current = await this.get(user, id);
    const updated = await this.conversations.update(current.id, {
      status: dto.status,
      participantId: dto.participant_id,
      participantMeta: dto.participant_meta,
      participantType: dto.participant_type,
    });
    this.publisher.conversationUpdated(updated, dto.status && dto.status !== current.status ? 'status' : 'updated');
    return updated;
  }

  async assignAgent(user: AuthUser, id: string, agentId: number): Promise<ConversationEntity> {
    const current = await this.get(user, id);
    await assertAgentOfCompany(this.companies, agentId, current.companyId, 'agent_id');
    const updated = await this.conversations.update(current.id, { assignedAgentId: agentId });
    this.publisher.conversationUpdated(updated, 'assigned');
    return updated;
  }

  async unassignAgent(user: AuthUser, id: string): Promise<ConversationEntity> {
    const current = await this.get(user, id);
    const updated = await this.conversations.update(current.id, { assignedAgentId: null });
    this.publisher.conversationUpdated(updated, 'unassigned');
    return updated;
  }

  async listMessages(user: AuthUser, conversationId: string, query: ListMessagesQuery): Promise<Page<MessageEntity>> {
    const conversation = await this.get(user, conversationId);
    return this.messages.listByConversation(conversation.id, query);
  }
}
