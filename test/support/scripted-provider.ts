import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { ChannelEntity } from '../../src/modules/channels/domain/entities/channel.entity';
import type { InboundMessageEvent } from '../../src/modules/channels/domain/inbound-event';
import {
  BaseProvider,
  ProviderSendError,
  type Capability,
  type OutboundMessage,
  type ProviderLifecycleEvent,
  type ProviderState,
  type SendResult,
  type ValidatedAccount,
} from '../../src/modules/channels/infrastructure/providers/base.provider';
import type { Tenant } from './scenario';
import type { TestApp } from './test-app';

/**
 * A provider for tests, driven from the test: credentials always validate, sends succeed with an
 * external id (or fail with queued errors), and the test makes it report lifecycle events or push
 * inbound messages through the runtime's handlers, exactly as a real pushing provider would.
 */
export class ScriptedProvider extends BaseProvider {
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(['send_text']);
  /** Every message the runtime asked this provider to send. */
  readonly sent: OutboundMessage[] = [];
  /** Errors the next sends fail with, in order. */
  sendErrors: ProviderSendError[] = [];
  private counter = 0;

  constructor(
    channel: ChannelEntity,
    credentials: Record<string, unknown>,
    private readonly registry: ScriptedProviders,
  ) {
    super(channel, credentials);
  }

  async initialize(): Promise<void> {
    this.state = 'ready';
    this.registry.running.set(this.channel.id, this);
  }

  async destroy(): Promise<void> {
    this.state = 'stopped';
    if (this.registry.running.get(this.channel.id) === this) this.registry.running.delete(this.channel.id);
  }

  async validateCredentials(): Promise<ValidatedAccount> {
    const account = String(this.credentials.account ?? this.channel.providerAccount ?? `webchat-${randomUUID()}`);
    return { providerAccount: account, displayName: this.channel.name, details: { kind: 'scripted' } };
  }

  async sendMessage(message: OutboundMessage): Promise<SendResult> {
    this.sent.push(message);
    const error = this.sendErrors.shift();
    if (error) throw error;
    this.counter++;
    return { externalId: `scripted-out-${this.counter}-${message.id}` };
  }

  /** Reports a lifecycle event (the protected reportLifecycle of every provider). */
  emitLifecycle(event: ProviderLifecycleEvent, state: ProviderState, payload: Record<string, unknown> = {}): void {
    this.reportLifecycle(event, state, payload);
  }

  /** Pushes one inbound text through the handler the runtime installed (runtime.emitMessage -> ingest). */
  async pushInbound(msg: { externalId?: string; from?: string; text?: string; contactName?: string } = {}): Promise<InboundMessageEvent> {
    if (!this.messageHandler) throw new Error('ScriptedProvider: no message handler installed (is the channel running?)');
    const event: InboundMessageEvent = {
      kind: 'message',
      externalId: msg.externalId ?? `scripted-in-${randomUUID()}`,
      from: msg.from ?? 'visitor-1',
      contactName: msg.contactName ?? 'Web Visitor',
      timestamp: new Date(),
      contentType: 'text',
      text: msg.text ?? 'Hello from the web chat',
      payload: { scripted: true },
      attachments: [],
    };
    await this.messageHandler(this.channel.id, [event]);
    return event;
  }
}

/** The scripted providers an app built, by channel: the one running now is the one tests drive. */
export class ScriptedProviders {
  readonly running = new Map<string, ScriptedProvider>();

  /** The running provider of a channel; throws when the channel does not run here. */
  get(channelId: string): ScriptedProvider {
    const provider = this.running.get(channelId);
    if (!provider) throw new Error(`no scripted provider running for channel ${channelId}`);
    return provider;
  }
}

/** Registers ScriptedProvider for (provider, type) in the app's factory (CUSTOM WEBCHAT by default). */
export function registerScriptedProvider(app: TestApp, provider = 'CUSTOM', type = 'WEBCHAT'): ScriptedProviders {
  const registry = new ScriptedProviders();
  app.container.providerFactory.register(provider, type, (channel, credentials) => new ScriptedProvider(channel, credentials, registry));
  return registry;
}

/** Creates a CUSTOM WEBCHAT channel through POST /api/channels (ScriptedProvider must be registered). */
export async function createScriptedChannel(app: TestApp, tenant: Tenant, overrides: Record<string, unknown> = {}) {
  const res = await request(app.url)
    .post('/api/channels')
    .set('Authorization', `Bearer ${tenant.adminToken}`)
    .send({ name: 'Web chat', type: 'WEBCHAT', provider: 'CUSTOM', ...overrides });
  if (res.status !== 201) throw new Error(`scripted channel creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as { id: string; provider_account: string; company_id: number; is_active: boolean };
}
