import type { CacheStore } from '../../../../shared/cache/cache-store';
import type { PrismaClient } from '../../../../shared/database/prisma-client';
import type { ChannelRuntimeService } from './channel-runtime.service';

const startedAt = Date.now();

/** What /ready and the /system namespace report about this instance. */
export interface HealthReport {
  status: 'ok' | 'degraded';
  database: 'up' | 'down';
  store: 'up' | 'down';
  store_kind: CacheStore['kind'];
  runtime: { instance_id: string; active_channels: number };
  uptime_s: number;
}

/** Checks the database and the store (each within a second) and reports the runtime. */
export class HealthService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly cache: CacheStore,
    private readonly runtime: ChannelRuntimeService,
    private readonly instanceId: string,
  ) {}

  async check(): Promise<HealthReport> {
    const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), 1000).unref());
    const [database, store] = await Promise.all([
      Promise.race([this.prisma.$queryRaw`SELECT 1`.then(() => true, () => false), timeout]),
      this.cache.ping(),
    ]);
    return {
      status: database && store ? 'ok' : 'degraded',
      database: database ? 'up' : 'down',
      store: store ? 'up' : 'down',
      store_kind: this.cache.kind,
      runtime: { instance_id: this.instanceId, active_channels: this.runtime.size },
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
    };
  }
}
