import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A provider fake: an HTTP server on 127.0.0.1, port 0; subclasses answer in their provider's wire format. */
export abstract class LocalHttpFake {
  private server?: http.Server;

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  protected abstract handle(req: http.IncomingMessage, res: http.ServerResponse): void;
}
