import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../../config/config';
import { RedisCacheStore, type CacheStore } from '../../../shared/cache/cache-store';
import { FileCacheStore } from '../../../shared/cache/file-cache-store';
import { JwtService } from '../../../shared/auth/jwt.service';
import { CredentialsCipher } from '../../../shared/crypto/credentials-cipher';
import type { PrismaClient } from '../../../shared/database/prisma-client';
import { ChannelWebSocketGateway, type GatewayOptions } from '../application/services/gateway/channel-websocket.gateway';
import { ChannelRuntimeService } from '../application/services/channel-runtime.service';
import { ChannelLeases } from '../application/services/channel-leases';
import { ChannelLookupCache } from '../application/services/channel-lookup.cache';
import { ChannelLeaseKeeper } from '../application/services/channel-lease.keeper';
import { LocalChannelLeaseStore } from './cluster/local-lease.store';
import { RedisChannelLeaseStore } from './cluster/redis-lease.store';
import { createOutboundQueue, databaseKey } from './queue/outbound-queue.factory';
import { HealthService } from '../application/services/health.service';
import { AuthSessionService } from '../application/services/auth-session.service';
import { ChannelAuthUseCases, isWhatsappWeb } from '../application/use-cases/channel-auth.use-cases';
import { ChannelUseCases } from '../application/use-cases/channel.use-cases';
import { CompanyUseCases } from '../application/use-cases/company.use-cases';
import { CustomWebhookUseCase } from '../application/use-cases/custom-webhook.use-case';
import { ConversationUseCases } from '../application/use-cases/conversation.use-cases';
import { InboundIngestUseCase } from '../application/use-cases/inbound-ingest.use-case';
import { MessageUseCases } from '../application/use-cases/message.use-cases';
import { MetaWebhookUseCase } from '../application/use-cases/meta-webhook.use-case';
import { MediaUseCases } from '../application/use-cases/media.use-cases';
import { WhatsappSessionEvents } from '../application/use-cases/whatsapp-session-events.use-case';
import { TwilioWebhookUseCase } from '../application/use-cases/twilio-webhook.use-case';
import { WebhookSubscriptionUseCases } from '../application/use-cases/webhook-subscription.use-cases';
import { WebhookDeliveryWorker } from '../application/services/webhook-delivery.worker';
import { WebhookEventPublisher } from '../application/services/webhook-event.publisher';
import { SubscriptionDirectory } from '../application/services/subscription-directory';
import { WebhookSubscriptionController } from './controllers/webhook-subscription.controller';
import { PrismaWebhookDeliveryRepository } from './repositories/webhook-delivery.repository';
import { PrismaWebhookSubscriptionRepository } from './repositories/webhook-subscription.repository';
import { WebhookHttpSender } from './webhooks/webhook-http.sender';
import { ChannelController } from './controllers/channel.controller';
import { CompanyController } from './controllers/company.controller';
import { CustomWebhookController } from './controllers/custom-webhook.controller';
import { ConversationController } from './controllers/conversation.controller';
import { MessageController } from './controllers/message.controller';
import { MetaWebhookController } from './controllers/meta-webhook.controller';
import { MediaController } from './controllers/media.controller';
import { LocalMediaStore } from './media/local-media.store';
import { removeSessionFolder } from './providers/whatsapp-web/remote-auth.store';
import { TwilioWebhookController } from './controllers/twilio-webhook.controller';
import { ProviderFactory } from './providers/provider.factory';
import { QrImageSigner } from './providers/whatsapp-web/qr-image';
import type { WhatsappClientFactory } from './providers/whatsapp-web/whatsapp-web-client.port';
import { realWhatsappClientFactory } from './providers/whatsapp-web/whatsapp-web.client';
import { WhatsappWebProvider } from './providers/whatsapp-web/whatsapp-web.provider';
import { PrismaChannelRepository } from './repositories/channel.repository';
import { PrismaCompanyRepository } from './repositories/company.repository';
import { PrismaConversationRepository } from './repositories/conversation.repository';
import { PrismaMessageRepository } from './repositories/message.repository';
import { PrismaOrphanStatusRepository } from './repositories/orphan-status.repository';
import { PrismaChannelKpiRepository } from './repositories/channel-kpi.repository';
import { ChannelMetricsUseCase } from '../application/use-cases/channel-metrics.use-case';
import { PrometheusMetrics } from '../../../shared/metrics/prometheus-metrics';
import type { OutboundQueue } from '../application/ports/outbound-queue.port';
import { CircuitBreakers } from '../application/services/outbound/circuit-breaker';
import { OutboundWorkerService } from '../application/services/outbound/outbound-worker.service';
import { OutboundSendUseCase } from '../application/use-cases/outbound-send.use-case';

/** Infrastructure handed in from outside (main or a test). */
export interface ContainerDeps {
  config: Config;
  logger: Logger;
  prisma: PrismaClient;
  cache: CacheStore;
  gatewayAdapter?: GatewayOptions['adapter'];
  /** Builds the whatsapp-web.js client of a WhatsApp Web channel; default: the real one on CHROMIUM_PATH (tests pass a fake). */
  whatsappClientFactory?: WhatsappClientFactory;
}

/** The composition root: builds every object once, in dependency order, and hands them in through constructors. */
export class ChannelsContainer {
  readonly config: Config;
  readonly logger: Logger;
  readonly prisma: PrismaClient;
  readonly cache: CacheStore;
  readonly jwt: JwtService;
  readonly gateway: ChannelWebSocketGateway;
  readonly runtime: ChannelRuntimeService;
  /** This instance's channel leases and the loop that keeps its share of the channels. */
  readonly leases: ChannelLeases;
  readonly leaseKeeper: ChannelLeaseKeeper;
  readonly providerFactory: ProviderFactory;
  readonly health: HealthService;
  readonly companyRepository: PrismaCompanyRepository;
  readonly authSessions: AuthSessionService;
  readonly mediaStore: LocalMediaStore;
  /** The gateway plus event webhooks: what every use case publishes to. */
  readonly publisher: WebhookEventPublisher;
  readonly webhookWorker: WebhookDeliveryWorker;
  readonly outboundQueue: OutboundQueue;
  readonly outboundWorker: OutboundWorkerService;
  readonly circuits: CircuitBreakers;
  /** True once the service is stopping: new HTTP requests are refused with 503. */
  draining = false;
  /** Prometheus metrics of this container (GET /metrics). */
  readonly metrics: PrometheusMetrics;
  readonly useCases: {
    channels: ChannelUseCases;
    channelAuth: ChannelAuthUseCases;
    conversations: ConversationUseCases;
    messages: MessageUseCases;
    companies: CompanyUseCases;
    ingest: InboundIngestUseCase;
    channelMetrics: ChannelMetricsUseCase;
    metaWebhooks: MetaWebhookUseCase;
    media: MediaUseCases;
    customWebhooks: CustomWebhookUseCase;
    twilioWebhooks: TwilioWebhookUseCase;
    webhookSubscriptions: WebhookSubscriptionUseCases;
  };
  readonly controllers: {
    channels: ChannelController;
    conversations: ConversationController;
    messages: MessageController;
    companies: CompanyController;
    metaWebhooks: MetaWebhookController;
    media: MediaController;
    customWebhooks: CustomWebhookController;
    twilioWebhooks: TwilioWebhookController;
    webhookSubscriptions: WebhookSubscriptionController;
  };

  /** Graceful stop of event webhooks: store the events already published, then let in-flight deliveries finish (bounded). */
  async stopEventWebhooks(): Promise<void> {
    await this.publisher.flush();
    await this.webhookWorker.stop(this.config.eventWebhooks.stopDeadlineMs);
  }

  /** Attaches the Socket.IO gateway (its handlers call the use cases) to the HTTP server. */
  attachGateway(server: import('node:http').Server): void {
    this.gateway.attach(server, { channels: this.useCases.channels, messages: this.useCases.messages, health: this.health, logger: this.logger });
  }

  constructor(deps: ContainerDeps) {
    const { config, logger, prisma } = deps;
    this.config = config;
    this.logger = logger;
    this.prisma = prisma;
    this.cache = deps.cache;
    this.jwt = new JwtService(config.jwtSecret);
    const cipher = new CredentialsCipher(config.credentialsKey);

    const channelStore = new PrismaChannelRepository(prisma, cipher);
    // Everyone reads and writes channels through the cache (writes clear it); the runtime's safety re-reads go to the database.
    const channels = new ChannelLookupCache(channelStore, config.channelLookupCacheMs);
    const conversations = new PrismaConversationRepository(prisma);
    const messages = new PrismaMessageRepository(prisma);
    const orphans = new PrismaOrphanStatusRepository(prisma);
    this.companyRepository = new PrismaCompanyRepository(prisma);

    this.gateway = new ChannelWebSocketGateway(this.jwt, {
      corsOrigins: config.corsOrigins,
      adapter: deps.gatewayAdapter,
      sendRateLimit: config.socket.sendRateLimit,
      maxPayloadBytes: config.socket.maxPayloadBytes,
      noticeWaitMs: config.channelLookupCacheMs,
    });
    const webhookSubscriptions = new PrismaWebhookSubscriptionRepository(prisma, cipher);
    const webhookDeliveries = new PrismaWebhookDeliveryRepository(prisma);
    const { timeoutMs, ...workerOptions } = config.eventWebhooks;
    this.webhookWorker = new WebhookDeliveryWorker(webhookDeliveries, webhookSubscriptions, new WebhookHttpSender({ timeoutMs, allowPrivateUrls: config.allowPrivateUrls }), workerOptions, logger);
    // Every event pushed to agents also becomes event webhook deliveries.
    const subscribers = new SubscriptionDirectory(webhookSubscriptions, config.channelLookupCacheMs, logger);
    this.gateway.onSubscriptionsChanged((companyId) => subscribers.forget(companyId));
    const publisher = new WebhookEventPublisher(this.gateway, webhookDeliveries, () => this.webhookWorker.kick(), logger, subscribers);
    this.publisher = publisher;
    const factory = new ProviderFactory({
      meta: { baseUrl: config.meta.graphBaseUrl, version: config.meta.graphVersion, timeoutMs: config.providerHttpTimeoutMs },
      custom: { timeoutMs: config.providerHttpTimeoutMs, allowPrivateUrls: config.allowPrivateUrls },
      twilio: { apiBaseUrl: config.twilioApiBaseUrl, publicBaseUrl: config.publicBaseUrl, timeoutMs: config.providerHttpTimeoutMs },
    });
    // Without Redis, saved WhatsApp Web sessions live on disk so a restart needs no new scan.
    const sessionStore = deps.cache.kind === 'redis' ? deps.cache : new FileCacheStore(path.join(config.dataDir, 'wa-sessions'));
    this.authSessions = new AuthSessionService(deps.cache, sessionStore, cipher);
    const createClient = deps.whatsappClientFactory ?? realWhatsappClientFactory({ chromiumPath: config.chromiumPath, dataDir: config.dataDir, sessions: this.authSessions });
    this.mediaStore = new LocalMediaStore({ dir: path.join(config.dataDir, 'media'), maxBytes: config.media.maxBytes, timeoutMs: config.providerHttpTimeoutMs, allowPrivateUrls: config.allowPrivateUrls });
    factory.register('CUSTOM', 'WHATSAPP', (channel, credentials) => new WhatsappWebProvider(channel, credentials, {
      createClient,
      ...config.whatsappWeb,
      media: this.mediaStore,
      forgetSession: (channelId) => this.authSessions.deleteSerializedSession(channelId),
      cleanupSession: (channelId) => removeSessionFolder(config.dataDir, channelId),
      onError: (operation, err) => logger.warn({ module: 'whatsapp-web', operation, channel_id: channel.id, err }, 'WhatsApp Web event not fully handled'),
    }));
    this.providerFactory = factory;
    const leaseStore = deps.cache instanceof RedisCacheStore ? new RedisChannelLeaseStore(deps.cache.client, `axi:${databaseKey(config)}`) : new LocalChannelLeaseStore();
    this.leases = new ChannelLeases(leaseStore, config.instanceId, config.leases, logger);
    this.runtime = new ChannelRuntimeService(channelStore, factory, publisher, logger, this.leases, this.gateway);
    this.leaseKeeper = new ChannelLeaseKeeper(this.leases, this.runtime, channels, logger);
    this.gateway.onOwnerCall((call) => this.runtime.answerOwnerCall(call));
    this.metrics = new PrometheusMetrics(config.instanceId, {
      sockets: () => this.gateway.getStats(),
      queueDepth: () => messages.countPendingOutgoing(),
      activeChannels: () => this.runtime.size,
    });
    this.health = new HealthService(prisma, deps.cache, this.runtime, config.instanceId);
    this.gateway.onChannelChanged((channelId, restart) => {
      channels.invalidate();
      if (!restart) return;
      this.runtime.refreshChannel(channelId).catch((err) => logger.error({ module: 'runtime', operation: 'refreshChannel', channel_id: channelId, err }, 'refresh failed'));
    });

    const qrSigner = new QrImageSigner(config.jwtSecret);
    const sessionEvents = new WhatsappSessionEvents(channels, this.runtime, this.authSessions, qrSigner, publisher, logger);
    this.runtime.setLifecycleListener((channel, event, payload) => isWhatsappWeb(channel) && (sessionEvents.handle(channel, event, payload), true));
    const { queue, limiter } = createOutboundQueue(config, prisma, deps.cache, logger);
    this.outboundQueue = queue;
    this.circuits = new CircuitBreakers({ threshold: config.outbound.breakerThreshold, cooldownMs: config.outbound.breakerCooldownMs }, (channelId, reason) => {
      channels.findById(channelId).then(
        (channel) => channel && publisher.channelEvent(channel, 'status.updated', { ...this.runtime.statusFields(channelId), reason }),
        (err) => logger.warn({ module: 'outbound', operation: 'circuit', channel_id: channelId, err }, 'circuit change not announced'),
      );
      logger.warn({ module: 'outbound', operation: 'circuit', channel_id: channelId, reason }, 'channel circuit changed');
    });
    const sender = new OutboundSendUseCase(messages, channels, this.runtime, publisher, limiter, this.circuits, config.outbound, logger, orphans, this.metrics);
    this.outboundWorker = new OutboundWorkerService(queue, sender, messages, logger, config.outbound);
    const ingest = new InboundIngestUseCase(messages, publisher, logger, orphans, this.metrics);
    this.runtime.setIngestHandler((channel, events) => ingest.ingest(channel, events));
    const channelUseCases = new ChannelUseCases(channels, this.companyRepository, this.runtime, publisher, this.gateway, { metaAppSecret: config.meta.appSecret }, logger, this.authSessions);
    this.useCases = {
      channels: channelUseCases,
      channelAuth: new ChannelAuthUseCases(channels, this.runtime, this.authSessions, qrSigner, publisher, sessionEvents),
      media: new MediaUseCases(channels, (channelId, file) => this.mediaStore.pathOf(channelId, file)),
      conversations: new ConversationUseCases(conversations, channels, messages, this.companyRepository, publisher),
      messages: new MessageUseCases(messages, conversations, channels, this.runtime, publisher, logger, queue),
      companies: new CompanyUseCases(this.companyRepository),
      ingest,
      channelMetrics: new ChannelMetricsUseCase(channelUseCases, new PrismaChannelKpiRepository(prisma), this.circuits),
      metaWebhooks: new MetaWebhookUseCase(channels, ingest, { appSecret: config.meta.appSecret, verifyToken: config.meta.verifyToken }, logger),
      customWebhooks: new CustomWebhookUseCase(channels, ingest, logger),
      webhookSubscriptions: new WebhookSubscriptionUseCases(webhookSubscriptions, webhookDeliveries, this.companyRepository, { allowPrivateUrls: config.allowPrivateUrls }, (companyId) => {
        subscribers.forget(companyId);
        return this.gateway.subscriptionsChanged(companyId);
      }),
      twilioWebhooks: new TwilioWebhookUseCase(channels, messages, ingest, publisher, config.publicBaseUrl, logger),
    };
    this.useCases.channelAuth.registerRunnerOps();
    this.controllers = {
      channels: new ChannelController(this.useCases.channels, this.useCases.channelAuth, this.useCases.channelMetrics),
      conversations: new ConversationController(this.useCases.conversations),
      messages: new MessageController(this.useCases.messages),
      companies: new CompanyController(this.useCases.companies),
      metaWebhooks: new MetaWebhookController(this.useCases.metaWebhooks),
      media: new MediaController(this.useCases.media),
      customWebhooks: new CustomWebhookController(this.useCases.customWebhooks),
      twilioWebhooks: new TwilioWebhookController(this.useCases.twilioWebhooks),
      webhookSubscriptions: new WebhookSubscriptionController(this.useCases.webhookSubscriptions),
    };
  }
}
