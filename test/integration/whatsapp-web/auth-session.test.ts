import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { FileCacheStore } from '../../../src/shared/cache/file-cache-store';
import { CredentialsCipher } from '../../../src/shared/crypto/credentials-cipher';
import { AuthSessionService } from '../../../src/modules/channels/application/services/auth-session.service';
import { RemoteAuthSessionStore } from '../../../src/modules/channels/infrastructure/providers/whatsapp-web/remote-auth.store';
import { createRedisClient, MemoryCacheStore, RedisCacheStore, type CacheStore } from '../../../src/shared/cache/cache-store';

const stores: Array<[string, () => CacheStore]> = [
  ['Redis', () => new RedisCacheStore(createRedisClient(process.env.TEST_REDIS_URL!, () => undefined), `axi-test-${randomUUID()}:`)],
  ['memory', () => new MemoryCacheStore()],
  ['files under DATA_DIR (embedded mode)', () => new FileCacheStore(mkdtempSync(path.join(os.tmpdir(), 'wa-store-')))],
];

describe.each(stores)('AuthSessionService on %s', (_name, make) => {
  let store: CacheStore;
  let sessions: AuthSessionService;
  let dir: string;
  beforeEach(async () => {
    store = make();
    sessions = new AuthSessionService(store, store, new CredentialsCipher(randomBytes(32)));
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wa-session-'));
  });
  afterEach(async () => {
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('when a session is saved, then it reads back byte for byte until deleted', async () => {
    const data = Buffer.from([0, 1, 2, 255, 80, 75, 3, 4]);
    await sessions.saveSerializedSession('ch-1', data, 60);
    expect(await sessions.getSerializedSession('ch-1')).toEqual(data);
    expect(await sessions.getSerializedSession('ch-2')).toBeNull();
    await sessions.deleteSerializedSession('ch-1');
    expect(await sessions.getSerializedSession('ch-1')).toBeNull();
  });

  it('when a session is saved, then the store holds it encrypted and another key cannot read it', async () => {
    const data = Buffer.from('PK session secret bytes');
    await sessions.saveSerializedSession('ch-1', data, 60);
    const raw = (await store.get('wa-session:ch-1'))!;
    expect(raw).toMatch(/^v1:/);
    expect(raw).not.toContain(data.toString('base64'));
    const other = new AuthSessionService(store, store, new CredentialsCipher(randomBytes(32)));
    expect(await other.getSerializedSession('ch-1')).toBeNull();
    expect(await other.hasSerializedSession('ch-1')).toBe(false);
  });

  it('when the expiry passes, then the session is gone', async () => {
    await sessions.saveSerializedSession('ch-1', Buffer.from('zip'), 1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await sessions.getSerializedSession('ch-1')).toBeNull();
  });

  it('when RemoteAuth saves, checks, extracts and deletes a session, then the zip round-trips through the store', async () => {
    const remote = new RemoteAuthSessionStore(sessions, dir, 60);
    const zip = Buffer.from('PK\u0003\u0004 fake zip bytes');
    await fs.writeFile(path.join(dir, 'RemoteAuth-ch-9.zip'), zip);
    expect(await remote.sessionExists({ session: 'RemoteAuth-ch-9' })).toBe(false);
    await remote.save({ session: 'RemoteAuth-ch-9' });
    expect(await remote.sessionExists({ session: 'RemoteAuth-ch-9' })).toBe(true);
    expect(await sessions.getSerializedSession('ch-9')).toEqual(zip);
    const target = path.join(dir, 'restored.zip');
    await remote.extract({ session: 'RemoteAuth-ch-9', path: target });
    expect(await fs.readFile(target)).toEqual(zip);
    await remote.delete({ session: 'RemoteAuth-ch-9' });
    expect(await remote.sessionExists({ session: 'RemoteAuth-ch-9' })).toBe(false);
  });
});

describe('FileCacheStore', () => {
  it('when a value is saved, then a new store on the same folder reads it back (a restart) and the file is owner-only', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wa-store-'));
    await new FileCacheStore(dir).set('wa-session:../../etc/x', 'v', 60);
    const files = await fs.readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).not.toContain('/');
    expect((await fs.stat(path.join(dir, files[0]))).mode & 0o077).toBe(0);
    expect(await new FileCacheStore(dir).get('wa-session:../../etc/x')).toBe('v');
    await fs.rm(dir, { recursive: true, force: true });
  });
});
