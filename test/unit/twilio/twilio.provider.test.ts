import type { ChannelEntity } from '../../../src/modules/channels/domain/entities/channel.entity';
import { ProviderSendError } from '../../../src/modules/channels/infrastructure/providers/base.provider';
import { TwilioProvider } from '../../../src/modules/channels/infrastructure/providers/twilio/twilio.provider';
import { callStatusesThatMayBecome } from '../../../src/modules/channels/domain/call-status.rule';
import { FakeTwilioApi, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN } from '../../support/fake-twilio-api';
import { freePort } from '../../support/ports';

const channel: ChannelEntity = {
  id: '00000000-0000-4000-8000-000000000001', companyId: 1, name: 'SMS', type: 'SMS', provider: 'TWILIO', config: {}, isActive: true,
  credentialsId: null, providerAccount: '+15557770002', defaultAgentId: null, createdAt: new Date(), updatedAt: new Date(), deletedAt: null,
};
const message = { id: 'm1', to: '+15557770456', text: 'hi', contentType: 'text' };

describe('TwilioProvider send errors', () => {
  const fake = new FakeTwilioApi();
  const provider = (apiBaseUrl = fake.url) =>
    new TwilioProvider(channel, { accountSid: TWILIO_ACCOUNT_SID, authToken: TWILIO_AUTH_TOKEN }, { apiBaseUrl, publicBaseUrl: 'https://public.example.com', timeoutMs: 2000 });

  beforeAll(() => fake.start());
  afterAll(() => fake.stop());
  beforeEach(() => fake.reset());

  it.each([
    [400, 21211, false],
    [400, 21610, false],
    [429, 20429, true],
    [500, 20500, true],
    [503, 20503, true],
  ])('when Twilio answers HTTP %i code %i, then a ProviderSendError with that code, retryable %s', async (status, code, retryable) => {
    fake.sendErrors.push({ status, code, message: 'refused' });
    const err = await provider().sendMessage(message).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderSendError);
    expect({ code: err.code, message: err.message, retryable: err.retryable }).toEqual({ code: String(code), message: 'refused', retryable });
  });

  it('when Twilio cannot be reached, then NETWORK_ERROR, retryable, without the token in the message', async () => {
    const err = await provider(`http://127.0.0.1:${await freePort()}`).sendMessage(message).catch((e) => e);
    expect(err).toMatchObject({ code: 'NETWORK_ERROR', retryable: true });
    expect(err.message).not.toContain(TWILIO_AUTH_TOKEN);
  });
});

describe('call status rule', () => {
  it('when a call is completed, then only earlier or no status may become completed, and nothing follows a final status', () => {
    expect(callStatusesThatMayBecome('completed').sort()).toEqual(['', 'in-progress', 'initiated', 'queued', 'ringing']);
    expect(callStatusesThatMayBecome('ringing').sort()).toEqual(['', 'initiated', 'queued']);
    expect(callStatusesThatMayBecome('in-progress')).not.toContain('completed');
    expect(callStatusesThatMayBecome('bogus')).toEqual([]);
  });
});
