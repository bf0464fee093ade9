import { companyScope, type AuthUser } from '../../../../shared/auth/permissions';
import { ConflictError, NotFoundError, ValidationError } from '../../../../shared/errors/app-error';
import type { WebhookDeliveryEntity, WebhookSubscriptionEntity } from '../../domain/entities/webhook.entity';
import type { CompanyRepository } from '../../domain/repositories/company.repository.interface';
import type { Page } from '../../domain/repositories/pagination';
import type { WebhookDeliveryRepository, WebhookSubscriptionRepository } from '../../domain/repositories/webhook.repository.interface';
import { assertPublicHost } from '../../infrastructure/media/public-address';
import type { CreateWebhookDto, ListDeliveriesQuery, ListWebhooksQuery } from '../../shared/dtos/webhook-subscription.dto';
import { listScope, targetCompany } from './access';

/** Rules of subscriptions that depend on the deployment. */
export interface WebhookSubscriptionRules {
  /** Subscriptions may point at loopback/private addresses (tests and closed networks only). */
  allowPrivateUrls: boolean;
}

/** Event webhook stories: register, list, read and delete subscriptions; see and replay their deliveries. */
export class WebhookSubscriptionUseCases {
  constructor(
    private readonly subscriptions: WebhookSubscriptionRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly companies: CompanyRepository,
    private readonly rules: WebhookSubscriptionRules,
    /** Called after a company's subscriptions changed (the publisher's directory, other instances). */
    private readonly onChanged: (companyId: number) => Promise<void> = async () => {},
  ) {}

  async create(user: AuthUser, dto: CreateWebhookDto): Promise<WebhookSubscriptionEntity> {
    const companyId = targetCompany(user, dto.company_id);
    if (!(await this.companies.findCompany(companyId))) {
      throw new ValidationError('Invalid company', [{ field: 'company_id', message: 'company_id does not exist' }], 'COMPANY_NOT_FOUND');
    }
    this.assertUrl(dto.url);
    const created = await this.subscriptions.create({ companyId, url: dto.url, secret: dto.secret, eventTypes: dto.event_types });
    await this.onChanged(companyId);
    return created;
  }

  list(user: AuthUser, query: ListWebhooksQuery): Promise<Page<WebhookSubscriptionEntity>> {
    return this.subscriptions.list(listScope(user, query.company_id), query);
  }

  /** A subscription of the caller's company; another company's is a 404. */
  async get(user: AuthUser, id: string): Promise<WebhookSubscriptionEntity> {
    const subscription = await this.subscriptions.findById(id, companyScope(user));
    if (!subscription) throw new NotFoundError('Webhook');
    return subscription;
  }

  /** Deletes the subscription with its deliveries; nothing more is sent to it. */
  async remove(user: AuthUser, id: string): Promise<void> {
    const subscription = await this.get(user, id);
    await this.subscriptions.delete(subscription.id);
    await this.onChanged(subscription.companyId);
  }

  async listDeliveries(user: AuthUser, id: string, query: ListDeliveriesQuery): Promise<Page<WebhookDeliveryEntity>> {
    const subscription = await this.get(user, id);
    return this.deliveries.list(subscription.id, query.status, query);
  }

  /** A dead (or delivered) delivery is queued again with its attempts reset; a pending one is a 409. */
  async replay(user: AuthUser, id: string, deliveryId: string): Promise<WebhookDeliveryEntity> {
    const subscription = await this.get(user, id);
    const replayed = await this.deliveries.replay(subscription.id, deliveryId);
    if (replayed === null) throw new NotFoundError('Delivery', 'WEBHOOK_DELIVERY_NOT_FOUND');
    if (replayed === false) throw new ConflictError('Delivery is still pending', 'DELIVERY_PENDING');
    return replayed;
  }

  /** URLs with credentials would come back in every read; private addresses are refused unless allowed. */
  private assertUrl(raw: string): void {
    const url = new URL(raw);
    const problem = (message: string) => new ValidationError('Invalid url', [{ field: 'url', message }], 'INVALID_WEBHOOK_URL');
    if (url.username || url.password) throw problem('url must not contain credentials; sign with the secret instead');
    if (this.rules.allowPrivateUrls) return;
    if (url.hostname === 'localhost' || url.hostname.endsWith('.localhost')) throw problem('url must not point at a private address');
    try {
      assertPublicHost(url.hostname);
    } catch {
      throw problem('url must not point at a private address');
    }
  }
}
