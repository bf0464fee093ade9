import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../../src/config/config';
import { JwtService, type TokenClaims } from '../../src/shared/auth/jwt.service';
import { createLogger } from '../../src/shared/logging/logger';
import type { WhatsappClientFactory } from '../../src/modules/channels/infrastructure/providers/whatsapp-web/whatsapp-web-client.port';
import { RuntimeInitializer, type RunningService } from '../../src/modules/channels/infrastructure/runtime-initializer';

/** A running service on the test database and Redis, listening on 127.0.0.1 port 0. */
export interface TestApp extends RunningService {
  jwt: JwtService;
  /** Signs an access token with the test secret. */
  token(claims: Partial<TokenClaims> & { company_id: number }, expiresIn?: string | number): string;
}

/** Starts the real app in process; `env` overrides the test environment (e.g. META_GRAPH_BASE_URL of a fake); `logLines` collects every log line. */
export async function startTestApp(env: Record<string, string | undefined> = {}, opts: { logLines?: string[]; whatsappClientFactory?: WhatsappClientFactory } = {}): Promise<TestApp> {
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: process.env.TEST_DATABASE_URL,
    REDIS_URL: process.env.TEST_REDIS_URL,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: path.join(os.tmpdir(), `axi-test-${process.pid}`),
    SEED_DEMO: 'false',
    ...env,
  });
  const sink = opts.logLines ? { write: (line: string) => void opts.logLines!.push(line) } : undefined;
  const service = await new RuntimeInitializer(config, createLogger(config.logLevel, {}, sink), { whatsappClientFactory: opts.whatsappClientFactory }).start();
  const jwt = new JwtService(config.jwtSecret);
  return {
    ...service,
    jwt,
    token: (claims, expiresIn = '1h') => jwt.sign({ sub: 1, role: 'admin', ...claims }, expiresIn),
  };
}

const TABLES = ['orphan_statuses', 'outbound_jobs', 'webhook_deliveries', 'webhook_subscriptions', 'attachments', 'messages', 'conversations', 'channels', 'channel_credentials', 'agents', 'companies'];

/** Empties every table of the test database (between tests). */
export async function resetDatabase(): Promise<void> {
  const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`TRUNCATE ${TABLES.map((t) => `"${t}"`).join(', ')} RESTART IDENTITY CASCADE`);
  } finally {
    await client.end();
  }
}

/** Runs one SQL query on the test database (for assertions on what is stored). */
export async function sql<T = any>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}
