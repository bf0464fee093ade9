import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { AuthSessionService } from '../../../src/modules/channels/application/services/auth-session.service';
import { RemoteAuthSessionStore } from '../../../src/modules/channels/infrastructure/providers/whatsapp-web/remote-auth.store';
import { createRedisClient, MemoryCacheStore, RedisCacheStore, type CacheStore } from '../../../src/shared/cache/cache-store';

const stores: Array<[string, () => CacheStore]> = [
  ['Redis', () => new RedisCacheStore(createRedisClient(process.env.TEST_REDIS_URL!, () => undefined), `axi-test-${randomUUID()}:`)],
  ['memory', () => new MemoryCacheStore()],
];

describe.each(stores)('AuthSessionService on %s', (_name, make) => {
  let store: CacheStore;
  let sessions: AuthSessionService;
  let dir: string;
  beforeEach(async () => {
    store = make();
    sessions = new AuthSessionService(store);
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
