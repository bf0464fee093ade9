import type { Request, Response } from 'express';
import { currentUser } from '../../../../shared/auth/auth.middleware';
import { ok, paginated } from '../../../../shared/http/envelope';
import type { ConversationUseCases } from '../../application/use-cases/conversation.use-cases';
import { toConversationDto, toMessageDto } from '../mappers/dto.mapper';

/** HTTP translation for conversation endpoints. */
export class ConversationController {
  constructor(private readonly useCases: ConversationUseCases) {}

  create = async (req: Request, res: Response) => {
    res.status(201).json(ok(toConversationDto(await this.useCases.create(currentUser(req), req.valid.body)), 'Conversation created'));
  };

  list = async (req: Request, res: Response) => {
    const q = req.valid.query;
    const { items, total } = await this.useCases.list(currentUser(req), q);
    res.json(paginated(items.map(toConversationDto), total, q.page, q.limit));
  };

  get = async (req: Request, res: Response) => {
    res.json(ok(toConversationDto(await this.useCases.get(currentUser(req), req.valid.params.id))));
  };

  update = async (req: Request, res: Response) => {
    res.json(ok(toConversationDto(await this.useCases.update(currentUser(req), req.valid.params.id, req.valid.body)), 'Conversation updated'));
  };

  assignAgent = async (req: Request, res: Response) => {
    const c = await this.useCases.assignAgent(currentUser(req), req.valid.params.id, req.valid.body.agent_id);
    res.json(ok(toConversationDto(c), 'Agent assigned'));
  };

  unassignAgent = async (req: Request, res: Response) => {
    res.json(ok(toConversationDto(await this.useCases.unassignAgent(currentUser(req), req.valid.params.id)), 'Agent unassigned'));
  };

  listMessages = async (req: Request, res: Response) => {
    const q = req.valid.query;
    const { items, total } = await this.useCases.listMessages(currentUser(req), req.valid.params.conversationId, q);
    res.json(paginated(items.map(toMessageDto), total, q.page, q.limit));
  };
}
