import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';

const run = promisify(execFile);
const BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';
/** initdb and pg_ctl refuse to run as root; as root they run as the `postgres` system user. */
const AS_ROOT = process.getuid?.() === 0;

/**
 * A PostgreSQL cluster of its own (initdb into a temp dir, on a free loopback port) that a test may
 * stop hard and start again, e.g. to cut the database under a running app. It never touches the
 * machine's shared server on 5432.
 */
export class ThrowawayPostgres {
  readonly dir: string;
  port = 0;
  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Creates the cluster, starts it and creates database `name` (which must contain "test"). */
  static async create(name = 'axi_throwaway_test'): Promise<ThrowawayPostgres> {
    if (!/^\w*test\w*$/.test(name)) throw new Error(`database name must contain "test": ${name}`);
    const pg = new ThrowawayPostgres(fs.mkdtempSync(path.join(os.tmpdir(), 'axi-pg-')));
    if (AS_ROOT) await run('chown', ['postgres:postgres', pg.dir]);
    await pg.exec('initdb', ['-D', pg.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
    pg.port = await freePort();
    await pg.start();
    await pg.exec('createdb', ['-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', name]);
    pg.database = name;
    return pg;
  }

  private database = '';

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** Connection string of the test database. */
  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${this.database}`;
  }

  /** Starts the server on its port and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off`;
    await this.exec('pg_ctl', ['-D', this.dataDir, '-l', path.join(this.dir, 'server.log'), '-o', options, '-w', '-t', '30', 'start']);
  }

  /** Stops the server; `immediate` is a crash stop (no checkpoint, connections cut). */
  async stop(mode: 'immediate' | 'fast' = 'fast'): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '30', 'stop']);
  }

  /** Stops the server if it runs and removes its files. */
  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async exec(tool: string, args: string[]): Promise<void> {
    const bin = path.join(BIN, tool);
    // Arguments are passed as an array, never through a shell.
    if (AS_ROOT) await run('runuser', ['-u', 'postgres', '--', bin, ...args], { cwd: this.dir });
    else await run(bin, args, { cwd: this.dir });
  }
}
