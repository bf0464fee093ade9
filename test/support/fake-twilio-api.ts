import http from 'node:http';
import { LocalHttpFake } from './local-http-fake';
import { fixtureJson } from './fixtures';

/** A request the fake received; `form` holds every value of each form field (MediaUrl repeats). */
export interface TwilioRecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  form: Record<string, string[]>;
}

/** A Twilio REST error the fake answers the next sends with (`{code, message, more_info, status}`). */
export interface TwilioErrorReply {
  status: number;
  code: number;
  message: string;
}

/** Account SID and auth token the fake accepts (the fixtures' account). */
export const TWILIO_ACCOUNT_SID = 'AC11111111111111111111111111111111';
export const TWILIO_AUTH_TOKEN = 'fixture-twilio-auth-token-0123';

function restError(status: number, code: number, message: string) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/**
 * Local stand-in for the Twilio REST API on 127.0.0.1, port 0: the account fetch
 * (GET /2010-04-01/Accounts/{Sid}.json) and message create (POST .../Messages.json) with Basic
 * auth, Twilio's JSON shapes (fixtures/twilio) and its error bodies.
 */
export class FakeTwilioApi extends LocalHttpFake {
  readonly requests: TwilioRecordedRequest[] = [];
  accountSid = TWILIO_ACCOUNT_SID;
  authToken = TWILIO_AUTH_TOKEN;
  /** Status of the account the lookup answers (`suspended`, `closed` make a refusal). */
  accountStatus = 'active';
  /** Errors to answer the next sends with, in order. */
  sendErrors: TwilioErrorReply[] = [];
  /** When set, account lookups answer this HTTP status (e.g. 503). */
  lookupStatus?: number;
  /** The account's incoming numbers (E.164); undefined: it owns whatever number is asked for. */
  ownedNumbers?: string[];
  private counter = 0;

  /** Back to a fresh fake: the fixtures' account, no recorded requests or queued errors; the next send gets the fixture's SID. */
  reset(): void {
    this.accountSid = TWILIO_ACCOUNT_SID;
    this.authToken = TWILIO_AUTH_TOKEN;
    this.requests.length = 0;
    this.sendErrors = [];
    this.lookupStatus = undefined;
    this.ownedNumbers = undefined;
    this.accountStatus = 'active';
    this.counter = 0;
  }

  /** Message creates received, as form fields (first value of each). */
  sends(): Record<string, string>[] {
    return this.requests
      .filter((r) => r.method === 'POST' && r.path.endsWith('/Messages.json'))
      .map((r) => Object.fromEntries(Object.entries(r.form).map(([k, v]) => [k, v[0]])));
  }

  private authorised(req: http.IncomingMessage): boolean {
    const expected = 'Basic ' + Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64');
    return req.headers.authorization === expected;
  }

  protected handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const form: Record<string, string[]> = {};
      for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) (form[k] ??= []).push(v);
      this.requests.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, form });
      const send = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (!this.authorised(req)) return send(401, restError(401, 20003, 'Authenticate'));
      const numbers = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/IncomingPhoneNumbers\.json$/i.exec(url.pathname);
      if (numbers && numbers[1] === this.accountSid && req.method === 'GET') return send(200, this.incomingNumbers(url.searchParams.get('PhoneNumber')));
      const match = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})(\/Messages)?\.json$/i.exec(url.pathname);
      if (!match || match[1] !== this.accountSid) return send(404, restError(404, 20404, `The requested resource ${url.pathname} was not found`));
      if (!match[2] && req.method === 'GET') {
        if (this.lookupStatus === 404) return send(404, restError(404, 20404, `The requested resource ${url.pathname} was not found`));
        if (this.lookupStatus) return send(this.lookupStatus, restError(this.lookupStatus, 20503, 'Service unavailable'));
        return send(200, this.account());
      }
      if (match[2] && req.method === 'POST') {
        const error = this.sendErrors.shift();
        if (error) return send(error.status, restError(error.status, error.code, error.message));
        return send(201, this.message(form));
      }
      send(405, restError(405, 20004, 'Method not allowed'));
    });
  }

  /** The Account resource; like the real one it carries the auth token, which the service must never keep. */
  private account() {
    return {
      auth_token: this.authToken,
      date_created: 'Thu, 01 Jan 2026 00:00:00 +0000',
      date_updated: 'Thu, 01 Jan 2026 00:00:00 +0000',
      friendly_name: 'Fixture Account',
      owner_account_sid: this.accountSid,
      sid: this.accountSid,
      status: this.accountStatus,
      subresource_uris: { messages: `/2010-04-01/Accounts/${this.accountSid}/Messages.json` },
      type: 'Full',
      uri: `/2010-04-01/Accounts/${this.accountSid}.json`,
    };
  }

  /** GET .../IncomingPhoneNumbers.json?PhoneNumber=: Twilio's list page with the matching numbers. */
  private incomingNumbers(phoneNumber: string | null) {
    const owned = phoneNumber && (!this.ownedNumbers || this.ownedNumbers.includes(phoneNumber)) ? [phoneNumber] : [];
    const uri = `/2010-04-01/Accounts/${this.accountSid}/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(phoneNumber ?? '')}&PageSize=1&Page=0`;
    return {
      first_page_uri: uri, end: owned.length ? 0 : -1, previous_page_uri: null, next_page_uri: null, uri, page_size: 1, start: 0, page: 0,
      incoming_phone_numbers: owned.map((n) => ({
        account_sid: this.accountSid, phone_number: n, friendly_name: n, sid: `PN${'0'.repeat(32)}`,
        capabilities: { voice: true, sms: true, mms: true, fax: false }, status: 'in-use', uri: `/2010-04-01/Accounts/${this.accountSid}/IncomingPhoneNumbers/PN${'0'.repeat(32)}.json`,
      })),
    };
  }

  /** fixtures/twilio/send-message-response.json for the first send, then fresh SIDs, echoing the request. */
  private message(form: Record<string, string[]>) {
    const reply = fixtureJson('twilio/send-message-response.json');
    this.counter++;
    if (this.counter > 1) reply.sid = `SM${String(this.counter).padStart(32, '0')}`;
    reply.uri = `/2010-04-01/Accounts/${this.accountSid}/Messages/${reply.sid}.json`;
    reply.to = form.To?.[0] ?? null;
    reply.from = form.From?.[0] ?? null;
    reply.messaging_service_sid = form.MessagingServiceSid?.[0] ?? null;
    reply.body = form.Body?.[0] ?? '';
    reply.num_media = String(form.MediaUrl?.length ?? 0);
    reply.status = reply.messaging_service_sid && !reply.from ? 'accepted' : 'queued';
    return reply;
  }
}
