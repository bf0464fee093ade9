import request from 'supertest';
import { bearer, expectErrorEnvelope, metaTextWebhook } from '../../support/api-helpers';
import { sendAndSettle } from '../../support/outbound';
import { createMetaChannel, createTenant, postMetaFixture, postMetaWebhook } from '../../support/scenario';
import { sql } from '../../support/test-app';
import { useAppWithGraph } from '../../support/suite';

describe('GET /api/channels/:id/metrics (the seed KPIs)', () => {
  const ctx = useAppWithGraph();
  const kpis = (id: string, token: string, query: Record<string, string> = {}) => request(ctx.app.url).get(`/api/channels/${id}/metrics`).query(query).set(bearer(token));

  it('when a customer wrote a minute ago and two replies went out (one delivered, one refused), then volume, delivery rate, first response and availability say so', async () => {
    const tenant = await createTenant(ctx.app);
    const channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
    const wroteAt = Math.floor(Date.now() / 1000) - 60;
    expect((await postMetaWebhook(ctx.app, metaTextWebhook({ id: 'wamid.KPI1', timestamp: wroteAt, text: 'hola' }))).status).toBe(200);
    const [conv] = await sql('SELECT id FROM conversations');
    expect((await sendAndSettle(ctx.app, tenant.agentToken, { conversation_id: conv.id, message: 'buenas' })).body.data.status).toBe('SENT');
    expect((await postMetaFixture(ctx.app, 'status-delivered.json')).status).toBe(200);
    ctx.graph.sendErrors.push({ status: 400, code: 131047, message: 'Re-engagement message' });
    expect((await sendAndSettle(ctx.app, tenant.agentToken, { conversation_id: conv.id, message: 'late' })).body.data.status).toBe('FAILED');

    const res = await kpis(channel.id, tenant.agentToken);
    expect(res.status).toBe(200);
    const data = res.body.data;
    expect(data).toMatchObject({
      channel_id: channel.id,
      message_volume: { incoming: 1, outgoing: 2 },
      outgoing_by_status: { pending: 0, sent: 0, delivered_or_read: 1, failed: 1 },
      delivery_rate: 0.5,
      first_response: { conversations_answered: 1 },
      availability: { is_active: true, runtime_status: 'ready', circuit: 'closed' },
    });
    expect(data.first_response.average_seconds).toBeGreaterThanOrEqual(59);
    expect(data.first_response.average_seconds).toBeLessThan(120);
    expect(new Date(data.to).getTime() - new Date(data.from).getTime()).toBe(7 * 24 * 3600 * 1000);
  });

  it('when the window leaves the messages out, then everything counts zero and the rates are null', async () => {
    const tenant = await createTenant(ctx.app);
    const channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
    await postMetaWebhook(ctx.app, metaTextWebhook({ id: 'wamid.KPI2', timestamp: Math.floor(Date.now() / 1000), text: 'hola' }));
    const res = await kpis(channel.id, tenant.agentToken, { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' });
    expect(res.body.data).toMatchObject({ from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z', message_volume: { incoming: 0, outgoing: 0 }, delivery_rate: null, first_response: { conversations_answered: 0, average_seconds: null } });
  });

  it('when another company asks, or the window is bad, then 404 and 400 in the envelope', async () => {
    const tenant = await createTenant(ctx.app);
    const channel = await createMetaChannel(ctx.app, ctx.graph, tenant);
    const other = await createTenant(ctx.app, 'Other');
    expectErrorEnvelope(await kpis(channel.id, other.adminToken), 404);
    const bad: Array<Record<string, string>> = [{ from: 'yesterday' }, { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, { from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, { since: '2026-01-01' }, { to: '0001-01-01T00:00:00Z' }, { from: '-100000-01-01T00:00:00Z', to: '-100000-01-02T00:00:00Z' }, { to: '+275760-01-01T00:00:00Z' }];
    for (const query of bad) {
      expectErrorEnvelope(await kpis(channel.id, tenant.agentToken, query), 400);
    }
  });
});
