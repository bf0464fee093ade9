import fs from 'node:fs';
import { chromiumPidsUsingProfile, killQuietly } from './chromium-processes';
import type { WhatsappClientEvent, WhatsappMedia, WhatsappSendOptions, WhatsappWebClient, WhatsappWebMessage } from './whatsapp-web-client.port';
import { withTimeout } from './with-timeout';

/** The part of whatsapp-web.js `Client` the guard drives (the real client has all of it). */
export interface GuardableClient extends WhatsappWebClient {
  pupBrowser?: { process(): { pid?: number } | null } | null;
  authStrategy?: { destroy(): Promise<void> };
}

/** Where the guarded client's Chromium runs. */
export interface GuardOptions {
  chromiumPath: string;
  /** The profile directory: its `--user-data-dir` flag marks every process of this browser. */
  userDataDir: string;
  /** How long a graceful close may take before the browser is killed. */
  closeTimeoutMs: number;
}

/**
 * Wraps a whatsapp-web.js client so that no Chromium outlives destroy(). The library alone leaks a
 * browser in two ways: destroy() during the launch finds no `pupBrowser` yet and closes nothing,
 * and a wedged browser never answers `browser.close()`. Here destroy() closes gracefully within a
 * timeout, then SIGKILLs the browser's process group and every process still on its profile; a
 * launch that completes after destroy() is aborted before the page load and reaped.
 */
export class GuardedWhatsappClient implements WhatsappWebClient {
  private destroyed = false;
  private browserPid?: number;
  private starting?: Promise<void>;

  constructor(
    private readonly inner: GuardableClient,
    private readonly options: GuardOptions,
  ) {}

  get info(): WhatsappWebClient['info'] {
    return this.inner.info;
  }

  on(event: WhatsappClientEvent, handler: (...args: any[]) => void): unknown {
    return this.inner.on(event, handler);
  }

  getState(): Promise<string | null> {
    return this.inner.getState();
  }

  logout(): Promise<void> {
    return this.inner.logout();
  }

  getChatById(chatId: string): ReturnType<WhatsappWebClient['getChatById']> {
    return this.inner.getChatById(chatId) as unknown as ReturnType<WhatsappWebClient['getChatById']>;
  }

  /** Media goes to the library as its own `MessageMedia` (it checks `instanceof`). */
  sendMessage(chatId: string, content: string | WhatsappMedia, options?: WhatsappSendOptions): Promise<WhatsappWebMessage> {
    if (typeof content === 'string') return this.inner.sendMessage(chatId, content, options);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { MessageMedia } = require('whatsapp-web.js') as typeof import('whatsapp-web.js');
    const media = new MessageMedia(content.mimetype, content.data, content.filename ?? null);
    return this.inner.sendMessage(chatId, media as unknown as WhatsappMedia, options);
  }

  /** Checks the Chromium binary first, so a wrong CHROMIUM_PATH fails at once with a clear message. */
  async initialize(): Promise<void> {
    await fs.promises.access(this.options.chromiumPath, fs.constants.X_OK).catch(() => {
      throw new Error(`Chromium not found or not executable at ${this.options.chromiumPath} (set CHROMIUM_PATH)`);
    });
    if (this.destroyed) throw new Error('the client was destroyed before start-up');
    const starting = this.inner.initialize();
    this.starting = starting;
    try {
      await starting;
    } finally {
      this.starting = undefined;
    }
  }

  /**
   * Called by the auth strategy right after the launch: remembers the browser's pid, and throws
   * when destroy() came first so initialize() stops before the (possibly endless) page load.
   */
  browserLaunched(): void {
    this.browserPid = this.inner.pupBrowser?.process()?.pid ?? undefined;
    if (this.destroyed) throw new Error('the client was destroyed during start-up');
  }

  /** Closes the browser, kills what is left; resolves once no process of this browser is known alive. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    this.browserPid ??= this.inner.pupBrowser?.process()?.pid ?? undefined;
    const closed = await withTimeout(this.inner.destroy(), this.options.closeTimeoutMs, 'Chromium close').then(() => true, () => false);
    // A close that timed out skipped the auth strategy's own destroy (it stops the session backup timer).
    if (!closed) await this.inner.authStrategy?.destroy().catch(() => undefined);
    this.reap();
    // A launch still running is aborted by browserLaunched(); reap whatever it started once it settles.
    this.starting?.catch(() => undefined).then(() => this.reap());
  }

  private reap(): void {
    // Negative pid: the whole process group, the browser and every child it spawned.
    if (this.browserPid) killQuietly(-this.browserPid);
    for (const pid of chromiumPidsUsingProfile(this.options.userDataDir)) killQuietly(pid);
  }
}
