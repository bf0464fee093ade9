import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { migrate, readMigrations } from '../../src/shared/database/migrator';
import { dropDatabase, recreateDatabase, withDatabaseName } from '../support/database';

async function rows(url: string, query: string): Promise<any[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(query)).rows;
  } finally {
    await c.end();
  }
}

describe('migrator', () => {
  // Named after the suite's database so parallel runs on one server (other TEST_DATABASE_URLs) never collide.
  const url = withDatabaseName(process.env.TEST_DATABASE_URL!, `${new URL(process.env.TEST_DATABASE_URL!).pathname.slice(1)}_migrator`);

  beforeEach(() => recreateDatabase(url));
  afterAll(() => dropDatabase(url));

  it('when several processes migrate at the same time, then each migration is applied exactly once', async () => {
    const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    const all = results.flat();
    expect(all.sort()).toEqual(readMigrations().map((m) => m.name).sort());
    expect(await rows(url, 'SELECT name FROM "_axi_migrations"')).toHaveLength(readMigrations().length);
  });

  it('when run again, then nothing is applied', async () => {
    await migrate(url);
    expect(await migrate(url)).toEqual([]);
  });

  it('when an applied migration file was changed, then migrating fails', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'axi-migrations-'));
    fs.mkdirSync(path.join(dir, '001_a'));
    fs.writeFileSync(path.join(dir, '001_a', 'migration.sql'), 'CREATE TABLE t_a (id int);');
    await migrate(url, undefined, dir);
    fs.writeFileSync(path.join(dir, '001_a', 'migration.sql'), 'CREATE TABLE t_a (id bigint);');
    await expect(migrate(url, undefined, dir)).rejects.toThrow(/changed after it was applied/);
  });

  it('when a migration fails, then it is rolled back and not recorded', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'axi-migrations-'));
    fs.mkdirSync(path.join(dir, '001_bad'));
    fs.writeFileSync(path.join(dir, '001_bad', 'migration.sql'), 'CREATE TABLE t_bad (id int); SELECT no_such_function();');
    await expect(migrate(url, undefined, dir)).rejects.toThrow(/001_bad failed/);
    expect(await rows(url, `SELECT to_regclass('t_bad') AS t`)).toEqual([{ t: null }]);
    expect(await rows(url, 'SELECT name FROM "_axi_migrations"')).toEqual([]);
  });
});
