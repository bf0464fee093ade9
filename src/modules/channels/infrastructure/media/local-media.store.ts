import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import axios from 'axios';
import type { MediaStore } from '../providers/whatsapp-web/whatsapp-web-media';
import { assertPublicHost, publicOnlyAgents } from './public-address';

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif', 'video/mp4': 'mp4', 'video/3gpp': '3gp',
  'audio/ogg': 'ogg', 'audio/mpeg': 'mp3', 'audio/mp4': 'm4a', 'audio/aac': 'aac', 'application/pdf': 'pdf', 'text/plain': 'txt',
};

/** A stored file's name: its sha256 and an extension from its mime type. */
export const MEDIA_FILE_NAME = /^[a-f0-9]{64}\.[a-z0-9]{1,5}$/;

/** Settings of the local media store. */
export interface LocalMediaOptions {
  dir: string;
  maxBytes: number;
  timeoutMs: number;
  allowPrivateUrls: boolean;
}

/**
 * Media files under DATA_DIR/media/<channel>/<sha256>.<ext> (content-addressed: a file received twice
 * is kept once), served to agents by GET /api/channels/media/<channel>/<file>.
 */
export class LocalMediaStore implements MediaStore {
  readonly maxBytes: number;
  private readonly agents: ReturnType<typeof publicOnlyAgents> | Record<string, never>;

  constructor(private readonly options: LocalMediaOptions) {
    this.maxBytes = options.maxBytes;
    this.agents = options.allowPrivateUrls ? {} : publicOnlyAgents();
  }

  async save(channelId: string, file: { data: Buffer; mimeType: string }): Promise<{ url: string; sha256: string; sizeBytes: number }> {
    const sha256 = createHash('sha256').update(file.data).digest('hex');
    const name = `${sha256}.${EXTENSIONS[file.mimeType.split(';')[0].trim().toLowerCase()] ?? 'bin'}`;
    const dir = path.join(this.options.dir, path.basename(channelId));
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const target = path.join(dir, name);
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    await fs.writeFile(tmp, file.data, { mode: 0o600 });
    await fs.rename(tmp, target);
    return { url: `/api/channels/media/${channelId}/${name}`, sha256, sizeBytes: file.data.length };
  }

  async fetch(url: string): Promise<{ data: Buffer; mimeType: string }> {
    if (!/^https?:\/\//i.test(url)) throw new Error('only http(s) URLs can be fetched');
    const guard = !this.options.allowPrivateUrls;
    if (guard) assertPublicHost(new URL(url).hostname);
    // axios' `timeout` only bounds socket inactivity: a server trickling bytes would hold the send forever.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.options.timeoutMs);
    const res = await axios.get<ArrayBuffer>(url, {
      // Every redirect target is checked too; names are checked at connect time by the agents' lookup.
      beforeRedirect: guard ? (options: Record<string, any>) => assertPublicHost(String(options.hostname ?? '')) : undefined,
      responseType: 'arraybuffer',
      timeout: this.options.timeoutMs,
      signal: deadline.signal,
      maxContentLength: this.maxBytes,
      maxRedirects: 3,
      ...this.agents,
    }).catch((err: unknown) => {
      throw deadline.signal.aborted ? new Error(`the download took over ${this.options.timeoutMs} ms`) : err;
    }).finally(() => clearTimeout(timer));
    const type = String(res.headers['content-type'] ?? 'application/octet-stream');
    return { data: Buffer.from(res.data), mimeType: type.split(';')[0].trim() };
  }

  /** The path of a stored file of the channel, or undefined for a name that is not one of ours. */
  pathOf(channelId: string, file: string): string | undefined {
    if (!MEDIA_FILE_NAME.test(file) || !/^[0-9a-f-]{36}$/i.test(channelId)) return undefined;
    return path.join(this.options.dir, channelId, file);
  }
}
