import jwt from 'jsonwebtoken';
import type { Socket } from 'socket.io-client';
import { EventLog, emitWithAck, nextDisconnect, nextEvent, openSocket, settle } from '../../support/gateway-client';
import { serverSocketOf, useGatewaySuite } from '../../support/gateway-suite';
import { metaTextWebhook } from '../../support/api-helpers';
import { createMetaChannel, createTenant, postMetaFixture, postMetaWebhook, type Tenant } from '../../support/scenario';
import { waitFor } from '../../support/socket-client';
import { startTestApp } from '../../support/test-app';

const secret = () => process.env.JWT_SECRET!;
const claims = { sub: '7', company_id: 1_000_001, role: 'agent' };
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

/** Every token the gateway must refuse, built when the test runs. */
const badTokens: [string, () => string | undefined][] = [
  ['missing', () => undefined],
  ['malformed', () => 'not-a-jwt'],
  ['expired', () => jwt.sign({ ...claims, type: 'access', exp: Math.floor(Date.now() / 1000) - 60 }, secret())],
  ['wrongly signed', () => jwt.sign({ ...claims, type: 'access' }, 'another-secret-0123456789', { expiresIn: '1h' })],
  ['alg none', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, type: 'access', exp: inAnHour() })}.`],
  ['a refresh token', () => jwt.sign({ ...claims, type: 'refresh' }, secret(), { expiresIn: '1h' })],
];
const PROTECTED = ['/channel', '/message', '/system'];
const WHERE: [string, 'token' | 'header' | 'query'][] = [
  ['handshake auth.token', 'token'],
  ['Authorization Bearer header', 'header'],
  ['token query parameter', 'query'],
];

describe('gateway authentication and refusals', () => {
  const ctx = useGatewaySuite();
  let a: Tenant;

  beforeEach(async () => {
    a = await createTenant(ctx.app, 'Acme');
  });

  describe.each(PROTECTED)('%s', (namespace) => {
    it.each(badTokens)('when the token is %s, then the connection is refused with a connect_error containing "Token"', async (_what, make) => {
      const token = make();
      for (const [, where] of WHERE) {
        if (where !== 'token' && token === undefined) continue;
        await expect(openSocket(ctx.app.url, namespace, { [where]: token })).rejects.toThrow(/Token/);
      }
    });

    it.each(WHERE)('when a valid token comes in the %s, then the socket connects', async (_label, where) => {
      const socket = await openSocket(ctx.app.url, namespace, { [where]: a.agentToken });
      expect(socket.connected).toBe(true);
    });
  });

  describe('/auth', () => {
    it('when a socket connects without a token, then it is connected and told nothing until it authenticates', async () => {
      let log!: EventLog;
      const socket = await openSocket(ctx.app.url, '/auth', { before: (s) => (log = new EventLog(s)) });
      await settle(200);
      expect(socket.connected).toBe(true);
      expect(log.names()).toEqual([]);
    });

    it('when a socket sends authenticate with a valid token, then it gets authenticated with its user and the ack', async () => {
      const socket = await openSocket(ctx.app.url, '/auth');
      const event = nextEvent(socket, 'authenticated');
      const ack = await emitWithAck(socket, 'authenticate', [{ token: a.agentToken }]);
      const user = { id: String(a.agentId), company_id: a.companyId, role: 'agent', permissions: [], expires_at: expect.any(String) };
      expect(await event).toEqual({ user });
      expect(ack).toEqual({ success: true, data: { user } });
      expect(Date.parse((await event).user.expires_at)).toBeGreaterThan(Date.now() + 50 * 60_000);
    });

    it('when authenticate carries the token with a "Bearer " prefix, then it is accepted', async () => {
      const socket = await openSocket(ctx.app.url, '/auth');
      const ack = await emitWithAck(socket, 'authenticate', [{ token: `Bearer ${a.adminToken}` }]);
      expect(ack).toMatchObject({ success: true, data: { user: { role: 'admin', company_id: a.companyId } } });
    });

    it.each(badTokens)('when authenticate carries a token that is %s, then it gets auth_error (and a failed ack) and stays connected', async (_what, make) => {
      const socket = await openSocket(ctx.app.url, '/auth');
      const event = nextEvent(socket, 'auth_error');
      const ack = await emitWithAck(socket, 'authenticate', [{ token: make() }]);
      expect(await event).toMatchObject({ message: expect.stringMatching(/Token/), code: expect.any(String), event: 'authenticate' });
      expect(ack).toMatchObject({ success: false, error: expect.stringMatching(/Token/) });
      await settle(100);
      expect(socket.connected).toBe(true);
    });

    it.each([
      ['no payload at all', []],
      ['a string payload', ['a string']],
      ['a token that is not a string', [{ token: 12345 }]],
      ['null', [null]],
    ])('when authenticate is sent with %s, then it gets auth_error and stays connected', async (_what, args) => {
      const socket = await openSocket(ctx.app.url, '/auth');
      const event = nextEvent(socket, 'auth_error');
      socket.emit('authenticate', ...(args as unknown[]));
      expect(await event).toMatchObject({ message: expect.stringMatching(/Token/) });
      await settle(100);
      expect(socket.connected).toBe(true);
    });

    it.each(WHERE)('when a valid handshake token comes in the %s, then the socket gets authenticated on connect', async (_label, where) => {
      let got!: Promise<any>;
      await openSocket(ctx.app.url, '/auth', { [where]: a.adminToken, before: (s) => (got = nextEvent(s, 'authenticated')) });
      expect(await got).toMatchObject({ user: { id: String(a.adminId), company_id: a.companyId, role: 'admin' } });
    });

    it('when the handshake token is bad, then the socket is connected and gets auth_error on connect, and can still authenticate', async () => {
      let log!: EventLog;
      const expired = badTokens.find(([w]) => w === 'expired')![1]()!;
      const socket = await openSocket(ctx.app.url, '/auth', { token: expired, before: (s) => (log = new EventLog(s)) });
      await waitFor(() => log.all.length > 0, 3000, 'auth_error on connect');
      expect(socket.connected).toBe(true);
      expect(log.names()).toEqual(['auth_error']);
      expect(log.of('auth_error')[0]).toMatchObject({ message: expect.stringMatching(/Token/), code: expect.stringMatching(/^TOKEN_/) });
      expect(await emitWithAck(socket, 'authenticate', [{ token: a.agentToken }])).toMatchObject({ success: true });
    });
  });

  describe('token expiry', () => {
    /** Connects a socket whose token expires in 2 s, and resolves when it is disconnected (with the events it got). */
    async function expiringSocket(namespace: string, tenant: Tenant, via: 'handshake' | 'authenticate' = 'handshake') {
      const token = ctx.app.token({ sub: tenant.agentId, company_id: tenant.companyId, role: 'agent' }, 2);
      const expiresAt = (jwt.decode(token) as { exp: number }).exp * 1000;
      let log!: EventLog;
      const socket = await openSocket(ctx.app.url, namespace, { token: via === 'handshake' ? token : undefined, before: (s) => (log = new EventLog(s)) });
      if (via === 'authenticate') expect(await emitWithAck(socket, 'authenticate', [{ token }])).toMatchObject({ success: true });
      const reason = await nextDisconnect(socket, 6000);
      return { reason, at: Date.now(), expiresAt, log, socket };
    }

    it('when a socket\'s token expires while connected on any namespace, then it is told auth_expired and disconnected at expiry, and a fresh token connects again', async () => {
      const runs = await Promise.all([
        expiringSocket('/auth', a),
        expiringSocket('/auth', a, 'authenticate'),
        expiringSocket('/channel', a),
        expiringSocket('/message', a),
        expiringSocket('/system', a),
      ]);
      for (const run of runs) {
        expect(run.reason).toBe('io server disconnect');
        expect(run.log.of('auth_expired')).toEqual([{ message: 'Token expired' }]);
        // At expiry: not before the token's exp, and not long after.
        expect(run.at).toBeGreaterThanOrEqual(run.expiresAt - 50);
        expect(run.at).toBeLessThan(run.expiresAt + 1500);
      }
      for (const namespace of ['/auth', ...PROTECTED]) {
        const again = await openSocket(ctx.app.url, namespace, { token: a.agentToken });
        expect(again.connected).toBe(true);
      }
    });

    it('when a /auth socket authenticates again with a fresh token before its first token expires, then it is not disconnected at the first token\'s expiry', async () => {
      const short = ctx.app.token({ sub: a.agentId, company_id: a.companyId, role: 'agent' }, 2);
      const socket = await openSocket(ctx.app.url, '/auth', { token: short });
      const log = new EventLog(socket);
      expect(await emitWithAck(socket, 'authenticate', [{ token: a.agentToken }])).toMatchObject({ success: true });
      await settle(3000);
      expect(log.of('auth_expired')).toEqual([]);
      expect(socket.connected).toBe(true);
    });

    it('when a /auth socket authenticates many times, then nothing piles up on the server socket (disconnect listeners stay constant)', async () => {
      const socket = await openSocket(ctx.app.url, '/auth');
      expect(await emitWithAck(socket, 'authenticate', [{ token: a.agentToken }])).toMatchObject({ success: true });
      const server = serverSocketOf(ctx.app, '/auth', socket.id!)!;
      const after1 = server.listenerCount('disconnect');
      for (let i = 0; i < 15; i++) expect(await emitWithAck(socket, 'authenticate', [{ token: a.agentToken }])).toMatchObject({ success: true });
      expect(server.listenerCount('disconnect')).toBe(after1);
    });

    it('when an expired socket tries to reconnect with its old token, then it is refused with a Token error', async () => {
      const run = await expiringSocket('/message', a);
      expect(run.reason).toBe('io server disconnect');
      const retry = new Promise<Error>((resolve) => run.socket.once('connect_error', resolve));
      run.socket.connect();
      expect((await retry).message).toMatch(/Token/);
    });

    it('when a /message socket\'s token expired, then it no longer receives its company\'s events', async () => {
      await createMetaChannel(ctx.app, ctx.graph, a);
      const run = await expiringSocket('/message', a);
      const fresh = await openSocket(ctx.app.url, '/message', { token: a.agentToken });
      const freshLog = new EventLog(fresh);
      run.log.clear();
      expect((await postMetaFixture(ctx.app, 'text-message.json')).status).toBe(200);
      await waitFor(() => freshLog.of('message_received').length === 1, 5000, 'message_received on the fresh socket');
      await settle(150);
      expect(run.log.of('message_received')).toEqual([]);
    });
  });

  describe('reconnection and connection-state recovery (single instance, REDIS_URL unset)', () => {
    type App = Awaited<ReturnType<typeof startTestApp>>;
    /** Runs `body` against an app in memory mode (no Redis: the only mode where Socket.IO recovery could work) on the suite's database, with a META channel for `tenant`. */
    async function withMemoryApp(body: (url: string, tenant: Tenant, app: App) => Promise<void>) {
      const app = await startTestApp({ REDIS_URL: '', META_GRAPH_BASE_URL: ctx.graph.url });
      try {
        const tenant = await createTenant(app, 'Memo');
        await createMetaChannel(app, ctx.graph, tenant);
        await body(app.url, tenant, app);
      } finally {
        await app.stop();
      }
    }

    let seq = 0;
    /** Posts a new inbound text for the fixtures' META channel (a broadcast to the company's /message sockets). */
    async function inbound(app: App, id = `wamid.RECOVERY.${++seq}`) {
      const res = await postMetaWebhook(app, metaTextWebhook({ id, timestamp: Math.floor(Date.now() / 1000), text: `text ${id}` }));
      expect(res.status).toBe(200);
      return id;
    }

    /**
     * Connects to /message and waits for one broadcast: Socket.IO restores a session only from the
     * offset of a packet the client received, so with recovery on, only such a socket's reconnection
     * is a real recovery attempt. Priming keeps these tests meaningful if recovery is turned back on.
     */
    async function primedSocket(app: App, token: string, client: Record<string, unknown> = {}) {
      const socket = await openSocket(app.url, '/message', { token, client });
      const log = new EventLog(socket);
      await inbound(app);
      await waitFor(() => log.of('message_received').length === 1, 3000, 'priming message_received');
      log.clear();
      return { socket, log };
    }

    const recoverable = { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 200, randomizationFactor: 0 };

    it('when the transport drops, then the socket reconnects as a new socket authenticated again (recovery is off: nothing restored) and gets its company\'s events again', async () => {
      await withMemoryApp(async (_url, tenant, app) => {
        const { socket, log } = await primedSocket(app, tenant.agentToken, recoverable);
        const firstId = socket.id;
        const reconnected = nextEvent(socket, 'connect', 5000);
        const dropped = nextDisconnect(socket);
        socket.io.engine.close();
        await dropped;
        await reconnected;
        expect(socket.connected).toBe(true);
        // Connection-state recovery is off (channel-websocket.gateway.ts): every reconnection is a new socket.
        expect(socket.recovered).toBeFalsy();
        expect(socket.id).not.toBe(firstId);
        const id = await inbound(app);
        await waitFor(() => log.of('message_received').length === 1, 3000, 'message_received after the reconnection');
        expect(log.of('message_received')[0].message.external_id).toBe(id);
      });
    });

    it.each([
      ['expired', (t: Tenant, app: App) => app.jwt.sign({ sub: t.agentId, company_id: t.companyId, role: 'agent' }, -10)],
      ['wrongly signed', () => jwt.sign({ ...claims, type: 'access' }, 'another-secret-0123456789', { expiresIn: '1h' })],
      ['missing', () => undefined],
    ])('when the token was made %s before the transport drops, then the reconnection is refused by the auth middleware with a Token error', async (_what, make) => {
      await withMemoryApp(async (_url, tenant, app) => {
        const { socket, log } = await primedSocket(app, tenant.agentToken, recoverable);
        const token = make(tenant, app);
        socket.auth = token === undefined ? {} : { token };
        const refused = nextEvent<Error>(socket, 'connect_error', 5000);
        let reconnected = false;
        socket.on('connect', () => (reconnected = true));
        socket.io.engine.close();
        expect((await refused).message).toMatch(/Token/);
        await inbound(app);
        await settle(300);
        expect(reconnected).toBe(false);
        expect(socket.connected).toBe(false);
        expect(log.of('message_received')).toEqual([]);
      });
    });

    it('when a socket reconnects after a transport drop with a token of another company, then it is that company\'s socket like a new one: the old company\'s events no longer reach it', async () => {
      await withMemoryApp(async (_url, tenant, app) => {
        const other = await createTenant(app, 'Other');
        const { socket, log } = await primedSocket(app, tenant.agentToken, recoverable);
        socket.auth = { token: other.agentToken };
        const reconnected = nextEvent(socket, 'connect');
        socket.io.engine.close();
        await reconnected;
        // Recovered or not, the reconnected socket must be `other`'s like a new one.
        // A fresh socket of the old company, as the reference of what the old company receives.
        const oldCompany = await openSocket(app.url, '/message', { token: tenant.agentToken });
        const oldLog = new EventLog(oldCompany);
        await inbound(app);
        await waitFor(() => oldLog.of('message_received').length === 1, 3000, 'message_received on the old company\'s fresh socket');
        await settle(200);
        // Authenticated again as `other`: the old company's message must not reach it (a new socket of `other` would not get it).
        expect(log.of('message_received').map((m) => m.message.company_id)).toEqual([]);
      });
    });
  });
});
