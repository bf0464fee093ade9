import { loadConfig } from '../config/config';
import { loadDotEnvFile } from '../config/dev-secrets';
import { EmbeddedPostgres } from '../shared/database/embedded-postgres';
import { migrate } from '../shared/database/migrator';
import { createLogger } from '../shared/logging/logger';

/** `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded database). */
async function run(): Promise<void> {
  loadDotEnvFile();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const embedded = config.databaseUrl ? undefined : new EmbeddedPostgres(config.dataDir);
  const url = config.databaseUrl ?? (await embedded!.start());
  try {
    const applied = await migrate(url, logger);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date');
  } finally {
    await embedded?.stop();
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
