import type { Request, Response } from 'express';
import { ok } from '../../../../shared/http/envelope';
import type { MetaWebhookUseCase } from '../../application/use-cases/meta-webhook.use-case';

/** HTTP translation for Meta webhooks: raw bytes in, 200 once stored. */
export class MetaWebhookController {
  constructor(private readonly useCase: MetaWebhookUseCase) {}

  /** GET handshake: the challenge echoed verbatim as plain text. */
  verify = async (req: Request, res: Response) => {
    const challenge = await this.useCase.verifySubscription(req.params.channelId as string | undefined, req.query as Record<string, string>);
    res.status(200).type('text/plain').send(challenge);
  };

  receive = async (req: Request, res: Response) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const result = await this.useCase.receive(req.params.channelId as string | undefined, raw, req.header('x-hub-signature-256'));
    res.status(200).json(ok(result, 'EVENT_RECEIVED'));
  };
}
