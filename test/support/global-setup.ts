import { Client } from 'pg';
import { migrate } from '../../src/shared/database/migrator';

/** Recreates the test database (its name must contain "test") and migrates it once for the whole run. */
export default async function globalSetup(): Promise<void> {
  require('./env');
  const url = new URL(process.env.TEST_DATABASE_URL!);
  const name = url.pathname.slice(1);
  if (!/test/i.test(name) || !/^[\w]+$/.test(name)) throw new Error(`Refusing to use database "${name}": its name must contain "test"`);
  const admin = new Client({ connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  await migrate(url.toString());
}
