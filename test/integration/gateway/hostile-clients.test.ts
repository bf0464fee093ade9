import WebSocket from 'ws';
import { createMetaChannel, createTenant, postMetaFixture, type Tenant } from '../../support/scenario';
import { emitWithAck, openSocket, settle } from '../../support/gateway-client';
import { useGatewaySuite } from '../../support/gateway-suite';
import { connectSocket, waitFor } from '../../support/socket-client';

/** A raw Engine.IO/Socket.IO connection: frames a real client library would refuse to build. */
async function rawSocket(baseUrl: string): Promise<{ send: (frame: string) => void; frames: string[]; close: () => void }> {
  const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  ws.on('message', (d) => {
    const text = d.toString();
    if (text === '2') ws.send('3'); // engine.io ping -> pong
    frames.push(text);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { send: (f) => ws.send(f), frames, close: () => ws.close() };
}

describe('hostile Socket.IO clients (found by adversarial testing)', () => {
  const ctx = useGatewaySuite();
  let tenant: Tenant;

  beforeEach(async () => {
    tenant = await createTenant(ctx.app);
  });

  it('when a ping carries a 5,000-level-deep timestamp, then it is refused and the server keeps serving', async () => {
    const raw = await rawSocket(ctx.app.url);
    raw.send(`40/system,${JSON.stringify({ token: tenant.agentToken })}`);
    await waitFor(() => raw.frames.some((f) => f.startsWith('40/system')), 5000, 'namespace connect');
    raw.send(`42/system,7["ping",{"timestamp":${'['.repeat(5000)}${']'.repeat(5000)}}]`);
    await waitFor(() => raw.frames.some((f) => f.startsWith('43/system,7')), 5000, 'ack');
    expect(raw.frames.find((f) => f.startsWith('43/system,7'))).toMatch(/INVALID_PAYLOAD/);
    raw.close();
    const other = await openSocket(ctx.app.url, '/system', { token: tenant.agentToken });
    expect(await emitWithAck(other, 'ping', [{ timestamp: 1 }])).toMatchObject({ success: true, data: { timestamp: 1 } });
  });

  it('when a ping timestamp is not a number or a short string, then it is not echoed', async () => {
    const socket = await openSocket(ctx.app.url, '/system', { token: tenant.agentToken });
    expect(await emitWithAck(socket, 'ping', [{ timestamp: 'x'.repeat(100) }])).toMatchObject({ success: true, data: { timestamp: null } });
    expect(await emitWithAck(socket, 'ping', [{ timestamp: { a: 1 } }])).toMatchObject({ success: true, data: { timestamp: null } });
  });

  it('when a payload has thousands of keys or binary data, then it is refused at once with INVALID_PAYLOAD', async () => {
    const socket = await openSocket(ctx.app.url, '/channel', { token: tenant.agentToken });
    const wide = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    const started = Date.now();
    expect(await emitWithAck(socket, 'channel.join', [wide])).toMatchObject({ success: false, code: 'INVALID_PAYLOAD' });
    expect(await emitWithAck(socket, 'channel.join', [{ channelId: Buffer.alloc(1000) }])).toMatchObject({ success: false, code: 'INVALID_PAYLOAD' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(socket.connected).toBe(true);
  });

  it('when a channel is joined and left with its id in capitals, then the socket really leaves', async () => {
    const channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
    const socket = await openSocket(ctx.app.url, '/channel', { token: tenant.agentToken });
    const upper = channel.id.toUpperCase();
    expect(await emitWithAck(socket, 'channel.join', [{ channelId: upper }])).toMatchObject({ success: true });
    expect(await emitWithAck(socket, 'channel.leave', [{ channelId: upper }])).toMatchObject({ success: true });
    const seen: string[] = [];
    socket.onAny((event) => seen.push(event));
    await postMetaFixture(ctx.app, 'text-message.json');
    await settle(300);
    expect(seen).toEqual([]);
  });

  it('when authenticate is emitted with only an ack, then the ack answers', async () => {
    const socket = await openSocket(ctx.app.url, '/auth');
    expect(await emitWithAck(socket, 'authenticate', [])).toMatchObject({ success: false, code: 'TOKEN_MISSING' });
  });

  it('when auth.token is not a string or the Authorization header is not Bearer, then the connection is refused, not retried elsewhere', async () => {
    await expect(connectSocket(ctx.app.url, '/message', { token: 123 as unknown as string, query: tenant.agentToken })).rejects.toThrow(/Token/);
    await expect(connectSocket(ctx.app.url, '/message', { header: 'a b', query: tenant.agentToken })).rejects.toThrow(/Token/);
  });
});
