import { Client } from 'pg';

/** `url` with its database name replaced by `name`. */
export function withDatabaseName(url: string, name: string): string {
  return Object.assign(new URL(url), { pathname: `/${name}` }).toString();
}

/** The database name of `url`; throws unless it contains "test" (and is a plain identifier), so no other database is ever dropped. */
export function testDatabaseName(url: string): string {
  const name = new URL(url).pathname.slice(1);
  if (!/test/i.test(name) || !/^\w+$/.test(name)) throw new Error(`Refusing to use database "${name}": its name must contain "test"`);
  return name;
}

/** Runs `queries` in order on the server's `postgres` database (CREATE/DROP DATABASE cannot run on the database itself). */
async function adminQuery(url: string, ...queries: string[]): Promise<void> {
  const admin = new Client({ connectionString: withDatabaseName(url, 'postgres') });
  await admin.connect();
  try {
    for (const query of queries) await admin.query(query);
  } finally {
    await admin.end();
  }
}

/** Drops (closing its connections) and creates again the empty database of `url`, whose name must contain "test". */
export async function recreateDatabase(url: string): Promise<void> {
  const name = testDatabaseName(url);
  await adminQuery(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, `CREATE DATABASE "${name}"`);
}

/** Drops the database of `url` (closing its connections) if it exists; its name must contain "test". */
export async function dropDatabase(url: string): Promise<void> {
  const name = testDatabaseName(url);
  await adminQuery(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
