import request from 'supertest';
import { FakeGraphApi } from '../../support/fake-graph-api';
import { createMetaChannel, createTenant, postMetaFixture } from '../../support/scenario';
import { collect, connectSocket, waitFor } from '../../support/socket-client';
import { resetDatabase, sql, startTestApp, type TestApp } from '../../support/test-app';

describe('/message events for an agent reply', () => {
  let app: TestApp;
  let graph: FakeGraphApi;

  beforeAll(async () => {
    graph = await new FakeGraphApi().start();
    app = await startTestApp({ META_GRAPH_BASE_URL: graph.url });
    await resetDatabase();
  });
  afterAll(async () => {
    await app.stop();
    await graph.stop();
  });

  it('when an agent replies over REST, then the other agents see the reply created and then sent, and other companies see nothing', async () => {
    const acme = await createTenant(app, 'Acme');
    const other = await createTenant(app, 'Other');
    await createMetaChannel(app, graph, acme);
    await postMetaFixture(app, 'text-message.json');
    const [conversation] = await sql('SELECT id FROM conversations');

    const colleague = await connectSocket(app.url, '/message', { token: acme.adminToken });
    const stranger = await connectSocket(app.url, '/message', { token: other.adminToken });
    const events: string[] = [];
    const created = collect(colleague, 'message_created');
    colleague.on('message_created', () => events.push('created'));
    colleague.on('message_status', () => events.push('status'));
    const strangerSaw = [...['message_created', 'message_status'].map((e) => collect(stranger, e))];

    const res = await request(app.url).post('/api/channels/messages').set('Authorization', `Bearer ${acme.agentToken}`).send({ conversation_id: conversation.id, message: 'Ya lo reviso' });
    expect(res.status).toBe(201);
    await waitFor(() => events.length === 2, 5000, 'created and status');
    await new Promise((r) => setTimeout(r, 150));
    colleague.close();
    stranger.close();

    expect(events).toEqual(['created', 'status']);
    expect(created[0].message).toMatchObject({ id: res.body.data.id, message: 'Ya lo reviso', status: 'PENDING', direction: 'outgoing', from: '15557770001', to: '15557770123' });
    expect(created[0].conversation.id).toBe(conversation.id);
    expect(strangerSaw.flat()).toEqual([]);
  });
});
