import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { InboundEvent } from '../../domain/inbound-event';

/** What a provider can do; a missing one is a typed 4xx (CapabilityNotSupportedError), not a stub. */
export type Capability = 'send_text' | 'send_media' | 'webhooks' | 'qr_login';

/** Runtime state of a provider instance. */
export type ProviderState = 'initializing' | 'ready' | 'auth_required' | 'disconnected' | 'error' | 'stopped';

/** An outgoing message as providers see it. */
export interface OutboundMessage {
  /** Our message id (providers may use it as an idempotency key). */
  id: string;
  /** Our conversation id (custom webhooks pass it on to the endpoint). */
  conversationId?: string;
  to: string;
  /** The text, or the caption of media (may be empty). */
  text: string;
  contentType: string;
  /** Media to send (content types other than text): public URLs the provider fetches or uploads. */
  attachments?: OutboundAttachment[];
}

/** One media item of an outgoing message. */
export interface OutboundAttachment {
  url: string;
  mimeType: string;
  filename?: string;
}

/** What a successful send returns. */
export interface SendResult {
  externalId: string;
}

/** The account details a provider confirmed while validating credentials. */
export interface ValidatedAccount {
  /** Absent when the provider has no account of its own (custom webhooks: the client's provider_account stands). */
  providerAccount?: string;
  displayName?: string;
  details?: Record<string, unknown>;
}

/** Handler the runtime installs to receive provider-pushed events (WhatsApp Web, later). */
export type ProviderEventHandler = (channelId: string, events: InboundEvent[]) => Promise<void>;

/** Lifecycle events a provider reports (QR needed, logged out, failures while cleaning up, ...). */
export type ProviderLifecycleEvent = 'ready' | 'auth.required' | 'disconnected' | 'auth_failure' | 'disconnect_error' | 'auth_failure_error' | 'session_cleaned';

/** Handler the runtime installs to forward lifecycle events (and the state they leave) to agents. */
export type ProviderLifecycleHandler = (channelId: string, event: ProviderLifecycleEvent, payload: Record<string, unknown>) => void;

/** A provider's refusal to send: a code and message to store on the FAILED message. */
export class ProviderSendError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** True when a retry could succeed (network, 5xx, throttling); the outbound queue retries these. */
    readonly retryable: boolean,
    /** True when the request may have reached the provider (a timeout, a reset connection): it may have been sent. */
    readonly outcomeUnknown = false,
  ) {
    super(message);
    this.name = 'ProviderSendError';
  }
}

/** The lifecycle and abilities every provider adapter shares. */
export abstract class BaseProvider {
  abstract readonly capabilities: ReadonlySet<Capability>;
  protected state: ProviderState = 'stopped';
  protected messageHandler?: ProviderEventHandler;
  protected lifecycleHandler?: ProviderLifecycleHandler;
  /** True when the provider reports `ready` itself (after a login), so `channel.started` waits for it. */
  readonly announcesReady: boolean = false;
  /** True when the provider de-duplicates a repeated send of our message id, so a send whose outcome is unknown may be retried. */
  readonly idempotentSends: boolean = false;
  /**
   * True when the provider holds a session only one process may open (a WhatsApp Web browser): other
   * instances hand its sends to the instance running it. HTTP API providers send from any instance.
   */
  readonly ownerOnly: boolean = false;

  constructor(
    protected readonly channel: ChannelEntity,
    protected readonly credentials: Record<string, unknown>,
  ) {}

  /** Starts the provider (connects, logs in); resolves when it can send. */
  abstract initialize(): Promise<void>;
  /** Stops it and frees every resource it holds. */
  abstract destroy(): Promise<void>;
  /** The channel is deleted: also ends any login the provider keeps (WhatsApp Web); others just stop. */
  retire(): Promise<void> {
    return this.destroy();
  }
  /** Checks the credentials against the provider; ProviderRejectedError (400) or ProviderUnavailableError (502). */
  abstract validateCredentials(): Promise<ValidatedAccount>;
  /** Sends one message; ProviderSendError when the provider refuses or cannot be reached. */
  abstract sendMessage(message: OutboundMessage): Promise<SendResult>;

  /** True when the provider is logged in and may send. */
  isAuthenticated(): boolean {
    return this.state === 'ready';
  }

  /** The channel this provider runs (id and company, for events). */
  get channelRef(): Pick<ChannelEntity, 'id' | 'companyId'> {
    return { id: this.channel.id, companyId: this.channel.companyId };
  }

  getState(): ProviderState {
    return this.state;
  }

  /** Installs the handler for events the provider pushes by itself. */
  setMessageHandler(handler: ProviderEventHandler): void {
    this.messageHandler = handler;
  }

  /** Installs the handler for lifecycle events. */
  setLifecycleHandler(handler: ProviderLifecycleHandler): void {
    this.lifecycleHandler = handler;
  }

  /** Reports a lifecycle event and the state it leaves the provider in. */
  protected reportLifecycle(event: ProviderLifecycleEvent, state: ProviderState, payload: Record<string, unknown> = {}): void {
    this.state = state;
    this.lifecycleHandler?.(this.channel.id, event, payload);
  }

  supports(capability: Capability): boolean {
    return this.capabilities.has(capability);
  }
}
