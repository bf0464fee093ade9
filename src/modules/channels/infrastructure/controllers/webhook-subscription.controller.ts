import type { Request, Response } from 'express';
import { currentUser } from '../../../../shared/auth/auth.middleware';
import { ok, paginated } from '../../../../shared/http/envelope';
import type { WebhookSubscriptionUseCases } from '../../application/use-cases/webhook-subscription.use-cases';
import { toWebhookDeliveryDto, toWebhookSubscriptionDto } from '../mappers/webhook.mapper';

/** HTTP translation for /api/webhooks (event webhook subscriptions). */
export class WebhookSubscriptionController {
  constructor(private readonly useCases: WebhookSubscriptionUseCases) {}

  create = async (req: Request, res: Response) => {
    res.status(201).json(ok(toWebhookSubscriptionDto(await this.useCases.create(currentUser(req), req.valid.body)), 'Webhook created'));
  };

  list = async (req: Request, res: Response) => {
    const q = req.valid.query;
    const { items, total } = await this.useCases.list(currentUser(req), q);
    res.json(paginated(items.map(toWebhookSubscriptionDto), total, q.page, q.limit));
  };

  get = async (req: Request, res: Response) => {
    res.json(ok(toWebhookSubscriptionDto(await this.useCases.get(currentUser(req), req.valid.params.id))));
  };

  remove = async (req: Request, res: Response) => {
    await this.useCases.remove(currentUser(req), req.valid.params.id);
    res.json(ok(null, 'Webhook deleted'));
  };

  deliveries = async (req: Request, res: Response) => {
    const q = req.valid.query;
    const { items, total } = await this.useCases.listDeliveries(currentUser(req), req.valid.params.id, q);
    res.json(paginated(items.map(toWebhookDeliveryDto), total, q.page, q.limit));
  };

  replay = async (req: Request, res: Response) => {
    const { id, deliveryId } = req.valid.params;
    res.json(ok(toWebhookDeliveryDto(await this.useCases.replay(currentUser(req), id, deliveryId)), 'Delivery queued again'));
  };
}
