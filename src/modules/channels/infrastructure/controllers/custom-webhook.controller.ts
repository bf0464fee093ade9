import type { Request, Response } from 'express';
import { SIGNATURE_HEADER } from '../../../../shared/crypto/webhook-signature';
import { ok } from '../../../../shared/http/envelope';
import type { CustomWebhookUseCase } from '../../application/use-cases/custom-webhook.use-case';

/** HTTP translation for custom channel webhooks: raw bytes in, 200 once stored. */
export class CustomWebhookController {
  constructor(private readonly useCase: CustomWebhookUseCase) {}

  receiveMessage = async (req: Request, res: Response) => {
    const result = await this.useCase.receiveMessage(req.params.channelId as string, rawBody(req), req.header(SIGNATURE_HEADER));
    res.status(200).json(ok(result, 'EVENT_RECEIVED'));
  };

  receiveStatus = async (req: Request, res: Response) => {
    const result = await this.useCase.receiveStatus(req.params.channelId as string, rawBody(req), req.header(SIGNATURE_HEADER));
    res.status(200).json(ok(result, 'EVENT_RECEIVED'));
  };
}

function rawBody(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}
