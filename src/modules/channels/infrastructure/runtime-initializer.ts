import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Logger } from 'pino';
import type { Config } from '../../../config/config';
import { createApp } from '../../../app';
import { MemoryCacheStore, RedisCacheStore, createRedisClient, redisDatabase, redisErrorLogger, type CacheStore } from '../../../shared/cache/cache-store';
import { EmbeddedPostgres } from '../../../shared/database/embedded-postgres';
import { migrate } from '../../../shared/database/migrator';
import { createPrismaClient, type PrismaClient } from '../../../shared/database/prisma-client';
import { ChannelsContainer, type ContainerDeps } from './channels.container';
import { ensureDemoTenant, type DemoAdmin } from './demo-seed';

/** A started service: its URL, its container and how to stop it. */
export interface RunningService {
  url: string;
  port: number;
  container: ChannelsContainer;
  demoAdmin: DemoAdmin | null;
  stop(): Promise<void>;
}

/**
 * Start order: database (embedded if no URL) -> migrations -> Prisma -> store (Redis or memory)
 * -> container -> demo seed -> HTTP + Socket.IO -> active channels -> outbound worker. stop() runs it backwards.
 */
export class RuntimeInitializer {
  private readonly closers: { name: string; close: () => Promise<unknown> }[] = [];
  /** Set once HTTP listens: refuse new work at once when the stop begins. */
  private beginDrain?: () => void;
  private drainDeadline = 0;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    /** Test seams handed to the container (e.g. a fake WhatsApp Web client factory). */
    private readonly overrides: Pick<ContainerDeps, 'whatsappClientFactory'> = {},
  ) {}

  async start(): Promise<RunningService> {
    try {
      return await this.startInOrder();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private async startInOrder(): Promise<RunningService> {
    const { config, logger } = this;
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const embedded = new EmbeddedPostgres(config.dataDir);
      databaseUrl = await embedded.start();
      this.closers.push({ name: 'embedded-postgres', close: () => embedded.stop() });
      logger.info({ module: 'runtime', operation: 'start', data_dir: config.dataDir }, 'embedded PostgreSQL started');
    }
    await migrate(databaseUrl!, logger);
    // PGlite serves one session; a small pool avoids queueing behind it.
    const prisma: PrismaClient = createPrismaClient(databaseUrl!, config.databaseUrl ? config.databasePoolSize : 4);
    this.closers.push({ name: 'prisma', close: () => prisma.$disconnect() });

    const { cache, adapter } = this.createStore();
    const container = new ChannelsContainer({ config, logger, prisma, cache, gatewayAdapter: adapter, ...this.overrides });
    const demoAdmin = config.seedDemo ? await ensureDemoTenant(prisma) : null;
    // Pushed before the HTTP closer, so it runs after it: events of the last requests are stored, then in-flight deliveries finish.
    this.closers.push({ name: 'event-webhooks', close: () => container.stopEventWebhooks() });

    const server = http.createServer(createApp(container));
    container.attachGateway(server);
    let httpClosed: Promise<void> = Promise.resolve();
    // Socket.IO's close also closes the HTTP server and waits for its connections: both are cut at the deadline.
    this.closers.push({ name: 'http+socket.io', close: () => cutAtDeadline(server, this.drainDeadline, () => container.gateway.close().then(() => httpClosed)) });
    this.beginDrain = () => {
      // New requests get 503 (keep-alive clients too) and no new connection is accepted; requests
      // already running finish while the outbound queue drains.
      container.draining = true;
      this.drainDeadline = Date.now() + config.shutdownDeadlineMs;
      httpClosed = server.listening ? new Promise((resolve) => server.close(() => resolve())) : Promise.resolve();
      server.closeIdleConnections();
    };
    this.closers.push({ name: 'channels', close: () => container.runtime.stopAll() });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    container.webhookWorker.start();
    // The keeper stops before the channels do, so it cannot take a channel back during the stop.
    const { started, failed } = await container.leaseKeeper.start();
    this.closers.push({ name: 'lease-keeper', close: () => container.leaseKeeper.stop() });
    // Pushed last so it stops first: no new sends are taken, running ones finish while providers, Redis and the database are still up.
    this.closers.push({ name: 'outbound-queue', close: () => container.outboundWorker.stop(config.shutdownDeadlineMs) });
    await container.outboundWorker.start();
    logger.info({ module: 'runtime', operation: 'start', port, channels_started: started, channels_failed: failed }, 'service started');
    return { url: `http://${host}:${port}`, port, container, demoAdmin, stop: () => this.stop() };
  }

  private createStore(): { cache: CacheStore; adapter?: ReturnType<typeof createAdapter> } {
    if (!this.config.redisUrl) return { cache: new MemoryCacheStore() };
    const onError = redisErrorLogger(this.logger);
    const client = createRedisClient(this.config.redisUrl, onError, true);
    const pub = createRedisClient(this.config.redisUrl, onError, true);
    const sub = createRedisClient(this.config.redisUrl, onError);
    this.closers.push({ name: 'redis', close: () => Promise.all([client, pub, sub].map((c) => c.quit().catch(() => c.disconnect()))) });
    // Pub/sub channels ignore the database number: the key keeps deployments on one Redis server apart.
    const key = `axi:${redisDatabase(this.config.redisUrl)}:socket.io`;
    // Calls to a channel's runner (a WhatsApp Web send) wait for its answer as long as such a send may take.
    const { reconnectTimeoutMs, callTimeoutMs } = this.config.whatsappWeb;
    return { cache: new RedisCacheStore(client), adapter: createAdapter(pub, sub, { key, requestsTimeout: reconnectTimeoutMs + callTimeoutMs + 5000 }) };
  }

  /** Stops everything that was started, newest first; safe to call twice. */
  async stop(): Promise<void> {
    this.beginDrain?.();
    this.beginDrain = undefined;
    while (this.closers.length) {
      const { name, close } = this.closers.pop()!;
      await close().catch((err) => this.logger.error({ module: 'runtime', operation: 'stop', component: name, err }, 'stop failed'));
    }
  }
}

/** Runs `closing` (which waits for the server's connections); connections still open at `deadline` (epoch ms) are cut. */
async function cutAtDeadline(server: http.Server, deadline: number, closing: () => Promise<void>): Promise<void> {
  const cut = setTimeout(() => server.closeAllConnections(), Math.max(0, deadline - Date.now()));
  server.closeIdleConnections();
  try {
    await closing();
  } finally {
    clearTimeout(cut);
  }
}
