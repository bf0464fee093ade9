import crypto from 'node:crypto';
import http from 'node:http';
import { Pool } from 'pg';

/**
 * The naive baseline of the inbound benchmark: checks the same X-Hub-Signature-256 on the raw
 * bytes and does one INSERT per request into the same PostgreSQL, then answers 200. Prints its port.
 */
const secret = process.env.APP_SECRET!;
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const raw = Buffer.concat(chunks);
    const expected = Buffer.from(`sha256=${crypto.createHmac('sha256', secret).update(raw).digest('hex')}`);
    const given = Buffer.from(String(req.headers['x-hub-signature-256'] ?? ''));
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
      res.writeHead(403).end();
      return;
    }
    try {
      await pool.query('INSERT INTO bench_baseline (payload) VALUES ($1)', [raw.toString('utf8')]);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
    } catch {
      res.writeHead(503).end();
    }
  });
});

void pool.query('CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial PRIMARY KEY, payload jsonb NOT NULL)').then(() =>
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as { port: number }).port}\n`)),
);
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
