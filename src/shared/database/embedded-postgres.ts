import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** A PGlite database served over the Postgres wire protocol on 127.0.0.1, so the app uses the same driver as with a real server. */
export class EmbeddedPostgres {
  private db?: PGlite;
  private server?: PGLiteSocketServer;

  constructor(private readonly dataDir: string) {}

  /** Opens (or creates) the data directory and listens on a free port; returns the connection string. */
  async start(): Promise<string> {
    const dir = path.join(this.dataDir, 'pgdata');
    fs.mkdirSync(dir, { recursive: true });
    this.db = await PGlite.create(dir);
    // All connections share one PGlite session; the default of 1 connection would refuse the pool.
    this.server = new PGLiteSocketServer({ db: this.db, host: '127.0.0.1', port: 0, maxConnections: 64 });
    await this.server.start();
    return `postgresql://postgres@${this.server.getServerConn()}/postgres?sslmode=disable`;
  }

  /** Stops serving and closes the database so its files are consistent on disk. */
  async stop(): Promise<void> {
    await this.server?.stop();
    await this.db?.close();
    this.server = undefined;
    this.db = undefined;
  }
}
