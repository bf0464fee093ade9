import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileCacheStore } from '../../src/shared/cache/file-cache-store';

describe('FileCacheStore (embedded-mode store of WhatsApp Web sessions)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'axi-file-cache-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('when an entry file is corrupted on disk (truncated, edited), then it reads as missing and is removed instead of failing every GET /qr', async () => {
    const store = new FileCacheStore(dir);
    await store.set('wa-session:abc', 'secret', 60);
    const [file] = await fs.readdir(dir);
    await fs.writeFile(path.join(dir, file), '{"value":"sec');
    await expect(store.get('wa-session:abc')).resolves.toBeNull();
    expect(await fs.readdir(dir)).toEqual([]);
    await store.set('wa-session:abc', 'again', 60);
    await expect(store.get('wa-session:abc')).resolves.toBe('again');
  });
});
