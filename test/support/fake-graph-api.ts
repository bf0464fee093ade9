import http from 'node:http';
import { LocalHttpFake } from './local-http-fake';
import { fixture, fixtureJson } from './fixtures';

/** A request the fake received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
  /** When the fake received it (ms since epoch), for rate checks. */
  at: number;
}

/** A Graph API error the fake answers the next sends with. */
export interface GraphErrorReply {
  status: number;
  code: number;
  message: string;
}

/**
 * Local stand-in for the Meta Graph API on 127.0.0.1, port 0: the phone-number lookup and the
 * messages endpoint with the documented request and response shapes (fixtures/meta).
 */
export class FakeGraphApi extends LocalHttpFake {
  readonly requests: RecordedRequest[] = [];
  validToken = 'EAAG-fixture-access-token';
  phoneNumberId = '410000000000001';
  /** Errors to answer the next sends with, in order. */
  sendErrors: GraphErrorReply[] = [];
  /** When set, lookups answer this HTTP status (e.g. 503). */
  lookupStatus?: number;
  private counter = 0;

  /**
   * Back to a fresh fake's behaviour between tests: forgets the recorded requests, queued send errors
   * and lookup status, and restarts the send counter so the next send gets wamid.FIXTURE.OUT.1.
   */
  reset(): void {
    this.requests.length = 0;
    this.sendErrors = [];
    this.lookupStatus = undefined;
    this.counter = 0;
  }

  /** Requests made to the messages endpoint. */
  sends(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
  }

  protected handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://fake');
      this.requests.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, body: text ? JSON.parse(text) : undefined, at: Date.now() });
      const send = (status: number, body: Buffer | object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(Buffer.isBuffer(body) ? body : JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${this.validToken}`) return send(401, fixture('meta/error-invalid-token.json'));
      const match = /^\/v\d+\.\d+\/(\d+)(\/messages)?$/.exec(url.pathname);
      if (!match || match[1] !== this.phoneNumberId) {
        return send(400, { error: { message: 'Unsupported get request.', type: 'GraphMethodException', code: 100, fbtrace_id: 'Afake' } });
      }
      if (!match[2] && req.method === 'GET') {
        if (this.lookupStatus) return send(this.lookupStatus, { error: { message: 'Service unavailable', code: 2 } });
        return send(200, fixture('meta/phone-number-response.json'));
      }
      if (match[2] && req.method === 'POST') {
        const error = this.sendErrors.shift();
        if (error) return send(error.status, { error: { message: error.message, type: 'OAuthException', code: error.code, fbtrace_id: 'Afake' } });
        const reply = fixtureJson('meta/send-message-response.json');
        this.counter++;
        reply.messages[0].id = this.counter === 1 ? reply.messages[0].id : `wamid.FAKE.OUT.${this.counter}`;
        reply.contacts[0].input = reply.contacts[0].wa_id = JSON.parse(text).to;
        return send(200, reply);
      }
      send(404, { error: { message: 'Unknown path', code: 100 } });
    });
  }
}
