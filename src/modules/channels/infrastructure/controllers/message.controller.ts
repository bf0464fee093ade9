import type { Request, Response } from 'express';
import { currentUser } from '../../../../shared/auth/auth.middleware';
import { ok } from '../../../../shared/http/envelope';
import type { MessageUseCases } from '../../application/use-cases/message.use-cases';
import { toMessageDto } from '../mappers/dto.mapper';

/** HTTP translation for message endpoints. */
export class MessageController {
  constructor(private readonly useCases: MessageUseCases) {}

  /** 201 with the message as stored (PENDING): the outbound queue sends it and `message_status` reports the result. */
  send = async (req: Request, res: Response) => {
    const message = await this.useCases.send(currentUser(req), req.valid.body);
    res.status(201).json(ok(toMessageDto(message), 'Message queued for sending'));
  };

  get = async (req: Request, res: Response) => {
    res.json(ok(toMessageDto(await this.useCases.get(currentUser(req), req.valid.params.id))));
  };

  updateStatus = async (req: Request, res: Response) => {
    res.json(ok(toMessageDto(await this.useCases.updateStatus(currentUser(req), req.valid.params.id, req.valid.body)), 'Message status updated'));
  };
}
