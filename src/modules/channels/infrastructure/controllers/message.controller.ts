import type { Request, Response } from 'express';
import { currentUser } from '../../../../shared/auth/auth.middleware';
import { ok } from '../../../../shared/http/envelope';
import type { MessageUseCases } from '../../application/use-cases/message.use-cases';
import { toMessageDto } from '../mappers/dto.mapper';

/** HTTP translation for message endpoints. */
export class MessageController {
  constructor(private readonly useCases: MessageUseCases) {}

  /** 201 with the stored message; when the provider refused it, status FAILED and the reason in `message`. */
  send = async (req: Request, res: Response) => {
    const message = await this.useCases.send(currentUser(req), req.valid.body);
    const text = message.status === 'FAILED' ? `Message failed: ${message.errorMessage ?? 'provider error'} (code ${message.errorCode})` : 'Message sent';
    res.status(201).json(ok(toMessageDto(message), text));
  };

  get = async (req: Request, res: Response) => {
    res.json(ok(toMessageDto(await this.useCases.get(currentUser(req), req.valid.params.id))));
  };

  updateStatus = async (req: Request, res: Response) => {
    res.json(ok(toMessageDto(await this.useCases.updateStatus(currentUser(req), req.valid.params.id, req.valid.body)), 'Message status updated'));
  };
}
