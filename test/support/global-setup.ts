import { migrate } from '../../src/shared/database/migrator';
import { recreateDatabase } from './database';

/** Recreates the test database (its name must contain "test") and migrates it once for the whole run. */
export default async function globalSetup(): Promise<void> {
  require('./env');
  const url = process.env.TEST_DATABASE_URL!;
  await recreateDatabase(url);
  await migrate(url);
}
