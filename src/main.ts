import { ConfigError, loadConfig } from './config/config';
import { loadDotEnvFile } from './config/dev-secrets';
import { JwtService } from './shared/auth/jwt.service';
import { createLogger } from './shared/logging/logger';
import { RuntimeInitializer } from './modules/channels/infrastructure/runtime-initializer';

/** Process entry: config -> runtime -> listen; SIGTERM/SIGINT stop it gracefully. */
async function main(): Promise<void> {
  let config;
  try {
    loadDotEnvFile();
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel, { instance_id: config.instanceId });
  // Socket.IO's Redis adapter publishes without catching; a Redis outage must not kill the process.
  process.on('unhandledRejection', (reason) => logger.error({ module: 'runtime', err: reason }, 'unhandled rejection'));
  const runtime = new RuntimeInitializer(config, logger);
  const service = await runtime.start();

  // Printed for people at a local embedded start only, never into a production log stream.
  if (service.demoAdmin && !config.databaseUrl) {
    const token = new JwtService(config.jwtSecret).sign(
      { sub: service.demoAdmin.agentId, company_id: service.demoAdmin.companyId, role: 'admin' },
      config.adminTokenTtl,
    );
    // Printed for people, not logs: the token is deliberately not part of the pino stream.
    process.stdout.write(
      [
        '',
        `  Axi Connect Channels is running (${config.databaseUrl ? 'PostgreSQL' : 'embedded PostgreSQL'}, ${config.redisUrl ? 'Redis' : 'in-process store'})`,
        `  API:   ${service.url}/api`,
        `  Docs:  ${service.url}/docs`,
        `  Admin token (${service.demoAdmin.email}, company ${service.demoAdmin.companyId}, valid ${config.adminTokenTtl}):`,
        `  ${token}`,
        '',
      ].join('\n') + '\n',
    );
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ module: 'runtime', operation: 'stop', signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ module: 'runtime', operation: 'stop' }, 'shutdown deadline passed, exiting');
      process.exit(1);
      // The outbound queue drains for up to SHUTDOWN_DEADLINE_MS; the rest of the stop gets 5 s more.
    }, config.shutdownDeadlineMs + 5_000);
    deadline.unref();
    service.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error('Failed to start:', err);
  process.exit(1);
});
