import { CustomWebhookProvider } from '../../../src/modules/channels/infrastructure/providers/custom/custom-webhook.provider';
import { ProviderSendError } from '../../../src/modules/channels/infrastructure/providers/base.provider';
import type { ChannelEntity } from '../../../src/modules/channels/domain/entities/channel.entity';
import { closedPortUrl } from '../../support/api-helpers';
import { CUSTOM_SECRET, FakeCustomEndpoint } from '../../support/fake-custom-endpoint';

const channel = (outboundUrl: string): ChannelEntity => ({
  id: '22222222-2222-4222-8222-222222222222', companyId: 1, name: 'Chat', type: 'WEBCHAT', provider: 'CUSTOM', config: { outboundUrl }, isActive: true,
  credentialsId: null, providerAccount: null, defaultAgentId: null, createdAt: new Date(), updatedAt: new Date(), deletedAt: null,
});
const MESSAGE = { id: 'msg-1', conversationId: 'conv-1', to: 'visitor-1', text: 'Hola', contentType: 'text' };

describe('CustomWebhookProvider failures', () => {
  let endpoint: FakeCustomEndpoint;
  beforeAll(async () => {
    endpoint = await new FakeCustomEndpoint().start();
  });
  afterAll(() => endpoint.stop());
  beforeEach(() => endpoint.reset());

  async function failure(outboundUrl = endpoint.url, timeoutMs = 300): Promise<ProviderSendError> {
    const provider = new CustomWebhookProvider(channel(outboundUrl), { secret: CUSTOM_SECRET }, { timeoutMs, allowPrivateUrls: true });
    const err = await provider.sendMessage(MESSAGE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderSendError);
    return err as ProviderSendError;
  }

  it.each([
    [500, true],
    [503, true],
    [429, true],
    [400, false],
    [404, false],
  ])('when the endpoint answers %s, then the error is HTTP_<status> with retryable %s', async (status, retryable) => {
    endpoint.replies.push({ status, body: {} });
    expect(await failure()).toMatchObject({ code: `HTTP_${status}`, retryable });
  });

  it('when the endpoint is too slow, then TIMEOUT, retryable', async () => {
    endpoint.replies.push({ status: 200, body: { id: 'late' }, delayMs: 1500 });
    expect(await failure(endpoint.url, 200)).toMatchObject({ code: 'TIMEOUT', retryable: true });
  });

  it('when nothing listens, then NETWORK_ERROR, retryable', async () => {
    expect(await failure(await closedPortUrl())).toMatchObject({ code: 'NETWORK_ERROR', retryable: true });
  });

  it('when the stored settings are unusable, then INVALID_SETTINGS, not retryable, and nothing is sent', async () => {
    expect(await failure('not a url')).toMatchObject({ code: 'INVALID_SETTINGS', retryable: false });
    expect(endpoint.received).toHaveLength(0);
  });

  it('when the endpoint answers 2xx with an id, then it is the external id', async () => {
    endpoint.replies.push({ status: 201, body: { id: 'their-id' } });
    const provider = new CustomWebhookProvider(channel(endpoint.url), { secret: CUSTOM_SECRET }, { timeoutMs: 300, allowPrivateUrls: true });
    await expect(provider.sendMessage(MESSAGE)).resolves.toEqual({ externalId: 'their-id' });
    expect(endpoint.received[0]).toMatchObject({ signatureValid: true, body: { id: 'msg-1', conversation_id: 'conv-1' } });
  });

  it('when private addresses are not allowed (the default), then an outboundUrl on loopback, by IP or by name, fails PRIVATE_ADDRESS and nothing is sent', async () => {
    for (const url of [endpoint.url, endpoint.url.replace('127.0.0.1', 'localhost'), 'http://169.254.169.254/latest/meta-data']) {
      const provider = new CustomWebhookProvider(channel(url), { secret: CUSTOM_SECRET }, { timeoutMs: 300 });
      await expect(provider.sendMessage(MESSAGE)).rejects.toMatchObject({ code: 'PRIVATE_ADDRESS', retryable: false });
    }
    expect(endpoint.received).toHaveLength(0);
  });
});
