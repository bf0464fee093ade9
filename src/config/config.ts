import os from 'node:os';
import path from 'node:path';
import Joi from 'joi';
import { loadOrCreateDevSecrets } from './dev-secrets';

/** The one typed, validated configuration of the process. */
export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  logLevel: string;
  instanceId: string;
  dataDir: string;
  /** Unset: embedded PostgreSQL (PGlite) under dataDir. */
  databaseUrl?: string;
  /** Unset: in-process store. */
  redisUrl?: string;
  jwtSecret: string;
  adminTokenTtl: string;
  /** 32-byte AES-256-GCM key for channel credentials. */
  credentialsKey: Buffer;
  publicBaseUrl: string;
  corsOrigins: string[] | '*';
  /** Largest request body (REST JSON and webhooks); bigger ones get 413. */
  bodyLimitBytes: number;
  /** Strict-Transport-Security is sent only when the service is reached over https (PUBLIC_BASE_URL). */
  hsts: boolean;
  /** Connections to PostgreSQL per instance (embedded mode: 4, PGlite serves one session). */
  databasePoolSize: number;
  /** When set, GET /metrics wants `Authorization: Bearer <token>` (it lists channel ids). */
  metricsToken?: string;
  /** Fixed-window request limits in the CacheStore (shared by every instance on one Redis); 0 turns one off. */
  rateLimit: {
    /** REST requests per minute per token (company + subject). */
    restPerMinute: number;
    /** Webhook requests per second per channel (per provider path on app-level URLs). */
    webhookPerSecond: number;
  };
  seedDemo: boolean;
  meta: {
    graphBaseUrl: string;
    graphVersion: string;
    appSecret?: string;
    verifyToken?: string;
  };
  providerHttpTimeoutMs: number;
  twilioApiBaseUrl?: string;
  chromiumPath: string;
  whatsappWeb: {
    /** Browser launch and page load. */
    startTimeoutMs: number;
    /** Every other call into the browser (send, state, destroy, media download). */
    callTimeoutMs: number;
    /** How long a send waits for one reconnect of a disconnected client. */
    reconnectTimeoutMs: number;
    /** Bursts of messages and acks within this window are stored in one go. */
    batchWindowMs: number;
  };
  media: {
    /** Largest media file kept (received) or fetched (sent). */
    maxBytes: number;
  };
  /** Lets URLs given by tenants (media to send, custom outboundUrl, event webhooks) reach private/loopback addresses: closed networks and tests only. */
  allowPrivateUrls: boolean;
  eventWebhooks: {
    /** Per-request timeout of a delivery. */
    timeoutMs: number;
    /** Backoff and attempts; the defaults keep retrying for more than 24 hours. */
    retry: { baseDelayMs: number; maxDelayMs: number; maxAttempts: number };
    pollIntervalMs: number;
    leaseMs: number;
    batchSize: number;
    /** Graceful stop: in-flight deliveries get this long to finish. */
    stopDeadlineMs: number;
  };
  socket: {
    /** send_message allowed per socket: sustained per second, and burst. */
    sendRateLimit: { perSecond: number; burst: number };
    /** Largest Socket.IO frame accepted; bigger ones close only the sender's connection. */
    maxPayloadBytes: number;
  };
  /** The outbound queue (issue 6): retries, per-channel rate limits and circuit breaker. */
  outbound: OutboundConfig;
  /** How long SIGTERM waits for in-flight sends before the process exits. */
  shutdownDeadlineMs: number;
  /** How long channel reads by id or number (and their secrets) are cached; writes, here or on another instance, clear it at once. 0: off. */
  channelLookupCacheMs: number;
  /** Channel leases between instances (issue 7): lifetime, and how often holders renew them and rebalance. */
  leases: { ttlMs: number; renewMs: number };
}

/** Settings of the outbound queue and its worker. */
export interface OutboundConfig {
  /** Provider attempts per message, the first included. */
  maxAttempts: number;
  /** First retry delay; doubles each attempt (with jitter) up to backoffMaxMs. */
  backoffMs: number;
  backoffMaxMs: number;
  /** Sends running at once per instance. */
  concurrency: number;
  /** How long a worker holds a job before another may take it (renewed while it runs). */
  lockMs: number;
  /** Database queue: how often an idle worker looks for due jobs. */
  pollMs: number;
  /** Sends per second per channel (burst: one second's worth). */
  rates: { meta: number; twilioWhatsapp: number; default: number };
  /** How often PENDING messages without a job are re-enqueued (a Redis restart that lost its jobs), and how old they must be. */
  sweepMs: number;
  sweepAgeMs: number;
  /** Consecutive retryable failures that open a channel's circuit, and the cool-down before a probe. */
  breakerThreshold: number;
  breakerCooldownMs: number;
}

const schema = Joi.object({
  NODE_ENV: Joi.string().valid('development', 'production', 'test').default('development'),
  PORT: Joi.number().integer().min(0).max(65535).default(3000),
  HOST: Joi.string().default('0.0.0.0'),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  INSTANCE_ID: Joi.string().pattern(/^[\w.-]+$/).max(64),
  DATA_DIR: Joi.string().default('./.data'),
  DATABASE_URL: Joi.string().uri({ scheme: ['postgres', 'postgresql'] }).empty(''),
  REDIS_URL: Joi.string().uri({ scheme: ['redis', 'rediss'] }).empty(''),
  JWT_SECRET: Joi.string().min(16).empty(''),
  ADMIN_TOKEN_TTL: Joi.string().default('24h'),
  CREDENTIALS_ENCRYPTION_KEY: Joi.string().base64().empty(''),
  PUBLIC_BASE_URL: Joi.string().uri({ scheme: ['http', 'https'] }).empty(''),
  CORS_ORIGINS: Joi.string().default('*'),
  BODY_LIMIT_BYTES: Joi.number().integer().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
  RATE_LIMIT_REST_PER_MIN: Joi.number().integer().min(0).max(1_000_000).default(600),
  RATE_LIMIT_WEBHOOK_PER_SEC: Joi.number().integer().min(0).max(1_000_000).default(5000),
  SEED_DEMO: Joi.boolean().empty(''),
  META_GRAPH_BASE_URL: Joi.string().uri({ scheme: ['http', 'https'] }).default('https://graph.facebook.com'),
  META_GRAPH_VERSION: Joi.string().pattern(/^v\d+\.\d+$/).default('v21.0'),
  META_APP_SECRET: Joi.string().empty(''),
  META_VERIFY_TOKEN: Joi.string().empty(''),
  PROVIDER_HTTP_TIMEOUT_MS: Joi.number().integer().min(100).max(120000).default(10000),
  TWILIO_API_BASE_URL: Joi.string().uri({ scheme: ['http', 'https'] }).empty(''),
  CHROMIUM_PATH: Joi.string().default('/usr/bin/chromium'),
  WHATSAPP_START_TIMEOUT_MS: Joi.number().integer().min(1000).max(600000).default(60000),
  WHATSAPP_CALL_TIMEOUT_MS: Joi.number().integer().min(100).max(300000).default(15000),
  WHATSAPP_RECONNECT_TIMEOUT_MS: Joi.number().integer().min(100).max(600000).default(30000),
  WHATSAPP_BATCH_WINDOW_MS: Joi.number().integer().min(0).max(10000).default(200),
  MEDIA_MAX_BYTES: Joi.number().integer().min(1024).max(2 * 1024 * 1024 * 1024).default(25 * 1024 * 1024),
  ALLOW_PRIVATE_URLS: Joi.boolean().default(false),
  EVENT_WEBHOOK_TIMEOUT_MS: Joi.number().integer().min(100).max(120000).default(10000),
  EVENT_WEBHOOK_RETRY_BASE_MS: Joi.number().integer().min(1).max(3_600_000).default(30_000),
  EVENT_WEBHOOK_RETRY_MAX_DELAY_MS: Joi.number().integer().min(1).max(86_400_000).default(2 * 3_600_000),
  EVENT_WEBHOOK_MAX_ATTEMPTS: Joi.number().integer().min(1).max(100).default(25),
  EVENT_WEBHOOK_POLL_INTERVAL_MS: Joi.number().integer().min(10).max(60000).default(1000),
  EVENT_WEBHOOK_BATCH_SIZE: Joi.number().integer().min(1).max(100).default(10),
  EVENT_WEBHOOK_STOP_DEADLINE_MS: Joi.number().integer().min(0).max(60000).default(5000),
  SOCKET_SEND_RATE: Joi.number().min(0.1).max(10000).default(10),
  SOCKET_SEND_BURST: Joi.number().integer().min(1).max(100000).default(20),
  SOCKET_MAX_PAYLOAD_BYTES: Joi.number().integer().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  OUTBOUND_MAX_ATTEMPTS: Joi.number().integer().min(1).max(100).default(5),
  OUTBOUND_BACKOFF_MS: Joi.number().integer().min(1).max(3600000).default(1000),
  OUTBOUND_BACKOFF_MAX_MS: Joi.number().integer().min(1).max(86400000).default(60000),
  OUTBOUND_CONCURRENCY: Joi.number().integer().min(1).max(1000).default(10),
  OUTBOUND_LOCK_MS: Joi.number().integer().min(1000).max(600000).default(30000),
  OUTBOUND_POLL_MS: Joi.number().integer().min(10).max(60000).default(250),
  OUTBOUND_RATE_META: Joi.number().min(0.1).max(10000).default(80),
  OUTBOUND_RATE_TWILIO_WHATSAPP: Joi.number().min(0.1).max(10000).default(10),
  OUTBOUND_RATE_DEFAULT: Joi.number().min(0.1).max(10000).default(20),
  OUTBOUND_SWEEP_MS: Joi.number().integer().min(100).max(3600000).default(60000),
  OUTBOUND_SWEEP_AGE_MS: Joi.number().integer().min(100).max(86400000).default(120000),
  OUTBOUND_BREAKER_THRESHOLD: Joi.number().integer().min(1).max(1000).default(5),
  OUTBOUND_BREAKER_COOLDOWN_MS: Joi.number().integer().min(10).max(3600000).default(30000),
  DATABASE_POOL_SIZE: Joi.number().integer().min(1).max(200).default(10),
  METRICS_TOKEN: Joi.string().min(16).max(256).allow(''),
  SHUTDOWN_DEADLINE_MS: Joi.number().integer().min(0).max(600000).default(10000),
  CHANNEL_LOOKUP_CACHE_MS: Joi.number().integer().min(0).max(60000).default(2000),
  LEASE_TTL_MS: Joi.number().integer().min(1000).max(600000).default(8000),
  // At least two renewals fit in a lease's lifetime, so one slow round does not lose it.
  LEASE_RENEW_MS: Joi.number().integer().min(100).max(Joi.ref('LEASE_TTL_MS', { adjust: (ttl: number) => Math.floor(ttl / 2) })).default(2000),
}).unknown(true);

/** Thrown when the environment is invalid; main prints it and exits 1. */
export class ConfigError extends Error {}

/** Reads and validates the environment into a Config; secrets missing outside production are generated once under DATA_DIR. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const { value: v, error } = schema.validate(env, { abortEarly: false, convert: true });
  if (error) throw new ConfigError(`Invalid environment: ${error.details.map((d) => d.message).join('; ')}`);
  const nodeEnv = v.NODE_ENV as Config['nodeEnv'];
  const dataDir = path.resolve(v.DATA_DIR);
  if (nodeEnv === 'production' && (!v.JWT_SECRET || !v.CREDENTIALS_ENCRYPTION_KEY)) {
    throw new ConfigError('JWT_SECRET and CREDENTIALS_ENCRYPTION_KEY are required when NODE_ENV=production');
  }
  const generated = !v.JWT_SECRET || !v.CREDENTIALS_ENCRYPTION_KEY ? loadOrCreateDevSecrets(dataDir) : undefined;
  const credentialsKey = Buffer.from(v.CREDENTIALS_ENCRYPTION_KEY ?? generated!.credentialsEncryptionKey, 'base64');
  if (credentialsKey.length !== 32) throw new ConfigError('CREDENTIALS_ENCRYPTION_KEY must be 32 bytes, base64-encoded');
  const port = Number(v.PORT);
  const publicBaseUrl = (v.PUBLIC_BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  return {
    nodeEnv,
    port,
    host: v.HOST,
    logLevel: v.LOG_LEVEL,
    instanceId: v.INSTANCE_ID ?? `${os.hostname()}-${process.pid}`,
    dataDir,
    databaseUrl: v.DATABASE_URL,
    redisUrl: v.REDIS_URL,
    jwtSecret: v.JWT_SECRET ?? generated!.jwtSecret,
    adminTokenTtl: v.ADMIN_TOKEN_TTL,
    credentialsKey,
    publicBaseUrl,
    corsOrigins: v.CORS_ORIGINS.trim() === '*' ? '*' : v.CORS_ORIGINS.split(',').map((s: string) => s.trim()).filter(Boolean),
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    hsts: publicBaseUrl.startsWith('https://'),
    metricsToken: v.METRICS_TOKEN || undefined,
    databasePoolSize: v.DATABASE_POOL_SIZE,
    rateLimit: { restPerMinute: v.RATE_LIMIT_REST_PER_MIN, webhookPerSecond: v.RATE_LIMIT_WEBHOOK_PER_SEC },
    seedDemo: v.SEED_DEMO ?? !v.DATABASE_URL,
    meta: {
      graphBaseUrl: v.META_GRAPH_BASE_URL.replace(/\/+$/, ''),
      graphVersion: v.META_GRAPH_VERSION,
      appSecret: v.META_APP_SECRET,
      verifyToken: v.META_VERIFY_TOKEN,
    },
    providerHttpTimeoutMs: v.PROVIDER_HTTP_TIMEOUT_MS,
    twilioApiBaseUrl: v.TWILIO_API_BASE_URL,
    chromiumPath: v.CHROMIUM_PATH,
    whatsappWeb: {
      startTimeoutMs: v.WHATSAPP_START_TIMEOUT_MS,
      callTimeoutMs: v.WHATSAPP_CALL_TIMEOUT_MS,
      reconnectTimeoutMs: v.WHATSAPP_RECONNECT_TIMEOUT_MS,
      batchWindowMs: v.WHATSAPP_BATCH_WINDOW_MS,
    },
    media: { maxBytes: v.MEDIA_MAX_BYTES },
    allowPrivateUrls: v.ALLOW_PRIVATE_URLS,
    eventWebhooks: {
      timeoutMs: v.EVENT_WEBHOOK_TIMEOUT_MS,
      retry: { baseDelayMs: v.EVENT_WEBHOOK_RETRY_BASE_MS, maxDelayMs: v.EVENT_WEBHOOK_RETRY_MAX_DELAY_MS, maxAttempts: v.EVENT_WEBHOOK_MAX_ATTEMPTS },
      pollIntervalMs: v.EVENT_WEBHOOK_POLL_INTERVAL_MS,
      // A lease outlives the request it covers, so a slow receiver never gets the same delivery twice at once.
      leaseMs: v.EVENT_WEBHOOK_TIMEOUT_MS * 2 + 5000,
      batchSize: v.EVENT_WEBHOOK_BATCH_SIZE,
      stopDeadlineMs: v.EVENT_WEBHOOK_STOP_DEADLINE_MS,
    },
    socket: {
      sendRateLimit: { perSecond: v.SOCKET_SEND_RATE, burst: v.SOCKET_SEND_BURST },
      maxPayloadBytes: v.SOCKET_MAX_PAYLOAD_BYTES,
    },
    outbound: {
      maxAttempts: v.OUTBOUND_MAX_ATTEMPTS,
      backoffMs: v.OUTBOUND_BACKOFF_MS,
      backoffMaxMs: v.OUTBOUND_BACKOFF_MAX_MS,
      concurrency: v.OUTBOUND_CONCURRENCY,
      lockMs: v.OUTBOUND_LOCK_MS,
      pollMs: v.OUTBOUND_POLL_MS,
      rates: { meta: v.OUTBOUND_RATE_META, twilioWhatsapp: v.OUTBOUND_RATE_TWILIO_WHATSAPP, default: v.OUTBOUND_RATE_DEFAULT },
      sweepMs: v.OUTBOUND_SWEEP_MS,
      sweepAgeMs: v.OUTBOUND_SWEEP_AGE_MS,
      breakerThreshold: v.OUTBOUND_BREAKER_THRESHOLD,
      breakerCooldownMs: v.OUTBOUND_BREAKER_COOLDOWN_MS,
    },
    shutdownDeadlineMs: v.SHUTDOWN_DEADLINE_MS,
    leases: { ttlMs: v.LEASE_TTL_MS, renewMs: v.LEASE_RENEW_MS },
    channelLookupCacheMs: v.CHANNEL_LOOKUP_CACHE_MS,
  };
}
