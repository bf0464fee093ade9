import type { Request, Response } from 'express';
import type { TwilioWebhookRequest, TwilioWebhookUseCase } from '../../application/use-cases/twilio-webhook.use-case';

/** The request as the use case needs it: raw bytes, the path Twilio signed, the two signature headers. */
function toWebhookRequest(req: Request): TwilioWebhookRequest {
  return {
    channelId: req.params.channelId as string,
    path: req.originalUrl,
    rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    contentType: req.header('content-type'),
    signature: req.header('x-twilio-signature'),
    signatureSettings: req.header('x-twilio-webhooks-signature-settings'),
  };
}

/** HTTP translation for Twilio webhooks: form bytes in, TwiML out. */
export class TwilioWebhookController {
  constructor(private readonly useCase: TwilioWebhookUseCase) {}

  private answer(step: (req: TwilioWebhookRequest) => Promise<string>) {
    return async (req: Request, res: Response) => {
      const twiml = await step(toWebhookRequest(req));
      res.status(200).type('text/xml').send(twiml);
    };
  }

  message = this.answer((r) => this.useCase.message(r));
  status = this.answer((r) => this.useCase.status(r));
  voice = this.answer((r) => this.useCase.voice(r));
  voiceStatus = this.answer((r) => this.useCase.voiceStatus(r));
  recording = this.answer((r) => this.useCase.recording(r));
}
