import jwt from 'jsonwebtoken';
import { createMetaChannel, createTenant, postMetaFixture, type Tenant } from '../../support/scenario';
import { collect, connectSocket, waitFor } from '../../support/socket-client';
import { useAppWithGraph } from '../../support/suite';

describe('/message namespace', () => {
  const ctx = useAppWithGraph();
  let a: Tenant;
  let b: Tenant;

  beforeEach(async () => {
    a = await createTenant(ctx.app, 'Acme');
    b = await createTenant(ctx.app, 'Bravo');
    await createMetaChannel(ctx.app, ctx.graph, a);
  });

  it.each([
    ['handshake auth.token', { token: 'T' }],
    ['Authorization Bearer header', { header: 'T' }],
    ['token query parameter', { query: 'T' }],
  ])('when the token comes in the %s, then the socket connects', async (_where, opts) => {
    const withToken = Object.fromEntries(Object.entries(opts).map(([k]) => [k, a.agentToken]));
    const socket = await connectSocket(ctx.app.url, '/message', withToken);
    expect(socket.connected).toBe(true);
    socket.close();
  });

  const secret = process.env.JWT_SECRET!;
  const claims = { sub: '7', company_id: 1, role: 'agent' };
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  it.each([
    ['missing', undefined],
    ['malformed', 'not-a-jwt'],
    ['expired', jwt.sign({ ...claims, type: 'access', exp: Math.floor(Date.now() / 1000) - 60 }, secret)],
    ['wrongly signed', jwt.sign({ ...claims, type: 'access' }, 'another-secret-0123456789', { expiresIn: '1h' })],
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, type: 'access', exp: Math.floor(Date.now() / 1000) + 3600 })}.`],
    ['a refresh token', jwt.sign({ ...claims, type: 'refresh' }, secret, { expiresIn: '1h' })],
  ])('when the token is %s, then the connection is refused with a Token error', async (_what, token) => {
    await expect(connectSocket(ctx.app.url, '/message', { token })).rejects.toThrow(/Token/);
  });

  it('when a message arrives for company A, then A sockets receive it and B sockets do not', async () => {
    const socketA = await connectSocket(ctx.app.url, '/message', { token: a.agentToken });
    const socketB = await connectSocket(ctx.app.url, '/message', { token: b.adminToken });
    const gotA = collect(socketA, 'message_received');
    const gotB = collect(socketB, 'message_received');
    expect((await postMetaFixture(ctx.app, 'text-message.json')).status).toBe(200);
    await waitFor(() => gotA.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    socketA.close();
    socketB.close();
    expect(gotA[0].message).toMatchObject({ external_id: 'wamid.FIXTURE.TEXT.1', direction: 'incoming', company_id: a.companyId });
    expect(gotA[0].conversation).toMatchObject({ external_id: '15557770123', status: 'open' });
    expect(gotB).toEqual([]);
  });

  it('when a superadmin is connected, then it receives every company\'s messages', async () => {
    const root = await connectSocket(ctx.app.url, '/message', { token: ctx.app.token({ sub: 1, company_id: b.companyId, role: 'superadmin' }) });
    const got = collect(root, 'message_received');
    await postMetaFixture(ctx.app, 'text-message.json');
    await waitFor(() => got.length === 1);
    root.close();
    expect(got[0].message.company_id).toBe(a.companyId);
  });
});
