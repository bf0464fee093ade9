import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config';

/** KEY=value lines of .env.example (commented-out ones are not defaults). */
function envExample(): Record<string, string> {
  const text = fs.readFileSync(path.join(__dirname, '..', '..', '.env.example'), 'utf8');
  return Object.fromEntries(text.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe('configuration defaults', () => {
  it('when nothing is set, then the defaults are the values .env.example and the README document', () => {
    const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), CREDENTIALS_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'), DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'axi-config-')) });
    const documented = envExample();
    expect(config.port).toBe(3000);
    expect(String(config.port)).toBe(documented.PORT);
    expect(String(config.leases.ttlMs)).toBe(documented.LEASE_TTL_MS);
    expect(String(config.leases.renewMs)).toBe(documented.LEASE_RENEW_MS);
    expect(String(config.channelLookupCacheMs)).toBe(documented.CHANNEL_LOOKUP_CACHE_MS);
    expect(String(config.databasePoolSize)).toBe(documented.DATABASE_POOL_SIZE);
  });
});
