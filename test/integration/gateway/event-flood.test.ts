import { emitWithAck, openSocket } from '../../support/gateway-client';
import { useGatewaySuite } from '../../support/gateway-suite';
import { createTenant, type Tenant } from '../../support/scenario';
import { createScriptedChannel } from '../../support/scripted-provider';

// The per-socket guard of every namespace (socket-reply.ts EVENT_RATE): 50 events/s, burst 100.
const RATE = 50;
const BURST = 100;
const FLOOD = 600;

describe('event flood on /auth, /channel and /system', () => {
  const ctx = useGatewaySuite();
  let a: Tenant;
  let channelId: string;

  beforeEach(async () => {
    a = await createTenant(ctx.app, 'Acme');
    channelId = (await createScriptedChannel(ctx.app, a)).id;
  });

  const cases: [string, string, () => unknown[], string][] = [
    ['/auth', 'authenticate', () => [{ token: a.agentToken }], 'auth_error'],
    ['/channel', 'channel.status', () => [{ channelId }], 'channel.error'],
    ['/system', 'ping', () => [{ timestamp: 1 }], 'system_error'],
  ];

  it.each(cases)('when one %s socket floods %s, then the excess is answered RATE_LIMITED, the socket stays connected, and another socket is served meanwhile', async (namespace, event, args, errorEvent) => {
    const flooder = await openSocket(ctx.app.url, namespace, { token: a.agentToken });
    const neighbour = await openSocket(ctx.app.url, namespace, { token: a.agentToken });
    let errorEvents = 0;
    flooder.on(errorEvent, (e: { code: string }) => e.code === 'RATE_LIMITED' && errorEvents++);

    const started = Date.now();
    const acks = Array.from({ length: FLOOD }, () => emitWithAck(flooder, event, args(), 20000));
    const neighbourAcks = Array.from({ length: 5 }, () => emitWithAck(neighbour, event, args(), 20000));
    const results = await Promise.all(acks);
    const elapsedS = (Date.now() - started) / 1000;

    const served = results.filter((r) => r.success).length;
    const limited = results.filter((r) => !r.success && r.code === 'RATE_LIMITED').length;
    expect(served + limited).toBe(FLOOD);
    expect(served).toBeGreaterThanOrEqual(BURST);
    expect(served).toBeLessThanOrEqual(Math.floor(BURST + RATE * elapsedS));
    expect(results.find((r) => !r.success)).toMatchObject({ code: 'RATE_LIMITED', error: expect.stringMatching(/\w/) });
    expect(errorEvents).toBe(limited);
    expect((await Promise.all(neighbourAcks)).map((r) => r.success)).toEqual([true, true, true, true, true]);
    expect(flooder.connected && neighbour.connected).toBe(true);
  });
});
