import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { LocalMediaStore } from '../../../src/modules/channels/infrastructure/media/local-media.store';
import { isPrivateAddress } from '../../../src/modules/channels/infrastructure/media/public-address';

describe('LocalMediaStore', () => {
  let server: http.Server;
  let base: string;
  let dir: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/big') return res.end(Buffer.alloc(5000));
      if (req.url === '/redirect') return res.writeHead(302, { location: '/photo.jpg' }).end();
      res.writeHead(200, { 'content-type': 'image/jpeg; charset=binary' }).end('JPEG');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'media-'));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await fs.rm(dir, { recursive: true, force: true });
  });
  const store = (allowPrivateUrls: boolean) => new LocalMediaStore({ dir, maxBytes: 1000, timeoutMs: 2000, allowPrivateUrls });

  it.each(['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '0.0.0.0', '::7f00:1', '64:ff9b::a9fe:a9fe'])('when the address is %s, then it is private', (a) => {
    expect(isPrivateAddress(a)).toBe(true);
  });
  it.each(['8.8.8.8', '151.101.1.69', '2606:4700::1111'])('when the address is %s, then it is public', (a) => {
    expect(isPrivateAddress(a)).toBe(false);
  });

  it('when a URL to send resolves to a private address (directly or by name), then the fetch is refused before connecting', async () => {
    await expect(store(false).fetch(`${base}/photo.jpg`)).rejects.toMatchObject({ code: 'EPRIVATEADDRESS' });
    await expect(store(false).fetch(`http://localhost:${new URL(base).port}/photo.jpg`)).rejects.toMatchObject({ code: 'EPRIVATEADDRESS' });
    await expect(store(false).fetch('file:///etc/passwd')).rejects.toThrow('only http(s)');
  });

  it('when private URLs are allowed (tests, closed networks), then the file comes back with its type, through a redirect, and an oversized one is refused', async () => {
    await expect(store(true).fetch(`${base}/redirect`)).resolves.toEqual({ data: Buffer.from('JPEG'), mimeType: 'image/jpeg' });
    await expect(store(true).fetch(`${base}/big`)).rejects.toThrow(/maxContentLength/);
  });

  it('when a file is saved, then it is named by its sha256 under the channel, owner-only, and only our names resolve', async () => {
    const channelId = '11111111-1111-4111-8111-111111111111';
    const saved = await store(false).save(channelId, { data: Buffer.from('hello'), mimeType: 'image/png' });
    expect(saved).toEqual({ url: `/api/channels/media/${channelId}/${saved.sha256}.png`, sha256: expect.stringMatching(/^[a-f0-9]{64}$/), sizeBytes: 5 });
    const file = store(false).pathOf(channelId, `${saved.sha256}.png`)!;
    expect(await fs.readFile(file, 'utf8')).toBe('hello');
    expect((await fs.stat(file)).mode & 0o077).toBe(0);
    expect(store(false).pathOf(channelId, '../secrets.json')).toBeUndefined();
    expect(store(false).pathOf('../..', `${saved.sha256}.png`)).toBeUndefined();
  });
});
