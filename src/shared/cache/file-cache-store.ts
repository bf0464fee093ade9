import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { CacheStore, CounterValue } from './cache-store';

interface FileEntry {
  value: string;
  expiresAt: number | null;
}

function parseEntry(raw: string): FileEntry | undefined {
  try {
    const entry = JSON.parse(raw) as FileEntry;
    return typeof entry?.value === 'string' ? entry : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A CacheStore on disk for embedded mode: one file per key under `dir`, written atomically
 * (temp file + rename) with owner-only permissions, so values survive a restart without Redis.
 */
export class FileCacheStore implements CacheStore {
  readonly kind = 'file' as const;

  constructor(private readonly dir: string) {}

  private file(key: string): string {
    // encodeURIComponent keeps every key inside `dir` (no '/' or '..' survives it).
    return path.join(this.dir, `${encodeURIComponent(key).replace(/\./g, '%2E')}.json`);
  }

  async get(key: string): Promise<string | null> {
    let raw: string;
    try {
      raw = await fs.readFile(this.file(key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const entry = parseEntry(raw);
    // An unreadable entry (truncated or edited on disk) is no value: failing on it would fail every read forever.
    if (!entry || (entry.expiresAt !== null && entry.expiresAt <= Date.now())) {
      await this.del(key);
      return null;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const entry: FileEntry = { value, expiresAt: ttlSeconds ? Date.now() + ttlSeconds * 1000 : null };
    const target = this.file(key);
    const tmp = `${target}.${randomUUID()}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(entry), { mode: 0o600 });
    await fs.rename(tmp, target);
  }

  async del(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }

  /** Not atomic across processes: this store serves one embedded instance (saved sessions), not shared counters. */
  async incr(key: string, ttlSeconds: number, by = 1): Promise<CounterValue> {
    const now = Date.now();
    let entry: FileEntry | null = null;
    try {
      entry = JSON.parse(await fs.readFile(this.file(key), 'utf8')) as FileEntry;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const live = entry && (entry.expiresAt === null || entry.expiresAt > now) ? entry : null;
    const count = (live ? Number(live.value) : 0) + by;
    const expiresAt = live?.expiresAt ?? now + ttlSeconds * 1000;
    await this.set(key, String(count), Math.max(1, (expiresAt - now) / 1000));
    return { count, ttlMs: expiresAt - now };
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}
