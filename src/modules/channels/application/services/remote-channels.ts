import { AppError, ConflictError, ProviderUnavailableError } from '../../../../shared/errors/app-error';
import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { ClusterBus, OwnerAnswer, OwnerCall, OwnerError } from '../../domain/ports/cluster-bus.port';
import { BaseProvider, ProviderSendError, type OutboundMessage, type SendResult, type ValidatedAccount } from '../../infrastructure/providers/base.provider';

/** Code of the 409 a start gets when another instance holds the channel's lease. */
export const RUNS_ELSEWHERE = 'CHANNEL_RUNS_ELSEWHERE';

/** Code of the 503 a start gets when the lease store (Redis) does not answer: it cannot know who runs the channel. */
export const LEASES_UNAVAILABLE = 'LEASES_UNAVAILABLE';

/** True when a start was refused because another instance runs the channel, or may (leases unreadable); the lease keeper starts it later if it is free. */
export function isRunsElsewhere(err: unknown): boolean {
  return err instanceof AppError && (err.code === RUNS_ELSEWHERE || err.code === LEASES_UNAVAILABLE);
}

/** What the runner of a channel does for one kind of call from another instance. */
export type OwnerOpHandler = (provider: BaseProvider, payload: unknown) => Promise<unknown>;

/**
 * Channels that run on another instance: sends through a local, unstarted provider (HTTP APIs) or
 * handed to the runner (session providers), and the runner's side of those calls.
 */
export class RemoteChannels {
  private readonly handlers = new Map<string, OwnerOpHandler>([['send', (provider, payload) => provider.sendMessage(payload as OutboundMessage)]]);
  private readonly senders = new Map<string, Promise<BaseProvider>>();

  constructor(
    private readonly cluster: ClusterBus,
    private readonly local: (channelId: string) => BaseProvider | undefined,
    private readonly build: (channel: ChannelEntity) => Promise<BaseProvider>,
  ) {}

  /** Registers the runner's side of `op`. */
  handle(op: string, handler: OwnerOpHandler): void {
    this.handlers.set(op, handler);
  }

  /** Drops the cached sender (the channel changed or runs here now). */
  forget(channelId: string): void {
    this.senders.delete(channelId);
  }

  /** A provider to send through for a channel that runs elsewhere (cached until the channel changes). */
  sender(channel: ChannelEntity): Promise<BaseProvider> {
    let sender = this.senders.get(channel.id);
    if (!sender) {
      sender = this.build(channel).then(async (provider) => {
        if (provider.ownerOnly) return new RunnerSendProvider(channel, provider, (m) => this.send(channel.id, m));
        await provider.initialize();
        return provider;
      });
      sender.catch(() => this.senders.delete(channel.id));
      this.senders.set(channel.id, sender);
    }
    return sender;
  }

  /** The runner's side: runs the call on the local provider, or undefined when the channel does not run here. */
  async answer(call: OwnerCall): Promise<OwnerAnswer | undefined> {
    const provider = this.local(call.channelId);
    const handler = this.handlers.get(call.op);
    if (!provider || !handler) return undefined;
    try {
      return { result: await handler(provider, call.payload) };
    } catch (err) {
      return { error: toOwnerError(err) };
    }
  }

  /** Calls `op` on the channel's runner; null when no instance runs it. */
  async call(channelId: string, op: string, payload?: unknown): Promise<unknown> {
    const answer = await this.cluster.callOwner({ channelId, op, payload });
    if (!answer) return null;
    if ('error' in answer) throw fromOwnerError(answer.error);
    return answer.result;
  }

  private async send(channelId: string, message: OutboundMessage): Promise<SendResult> {
    let answer: unknown;
    try {
      answer = await this.call(channelId, 'send', message);
    } catch (err) {
      if (err instanceof ProviderSendError) throw err;
      // The runner took the call and went silent: it may have sent.
      throw new ProviderSendError('TIMEOUT', `The instance running the channel did not answer: ${(err as Error).message}`, true, true);
    }
    if (!answer) throw new ProviderSendError('CHANNEL_NOT_RUNNING', 'No instance runs the channel right now', true, false);
    return answer as SendResult;
  }
}

function toOwnerError(err: unknown): OwnerError {
  if (err instanceof ProviderSendError) return { name: 'ProviderSendError', message: err.message, code: err.code, retryable: err.retryable, outcomeUnknown: err.outcomeUnknown };
  if (err instanceof AppError) return { name: 'AppError', message: err.message, code: err.code, status: err.statusCode };
  return { name: 'Error', message: err instanceof Error ? err.message : String(err) };
}

function fromOwnerError(e: OwnerError): Error {
  if (e.name === 'ProviderSendError') return new ProviderSendError(e.code ?? 'INTERNAL_ERROR', e.message, Boolean(e.retryable), Boolean(e.outcomeUnknown));
  if (e.name === 'AppError' && e.code && e.status) return e.status === 409 ? new ConflictError(e.message, e.code) : new AppError(e.code, e.message, e.status);
  return new ProviderUnavailableError(`The instance running the channel failed: ${e.message}`);
}

/** A session provider's stand-in on an instance that does not run it: same abilities, sends handed to the runner. */
class RunnerSendProvider extends BaseProvider {
  override readonly ownerOnly = true;

  constructor(
    channel: ChannelEntity,
    private readonly inner: BaseProvider,
    private readonly sendVia: (message: OutboundMessage) => Promise<SendResult>,
  ) {
    super(channel, {});
    this.state = 'ready';
  }

  get capabilities() {
    return this.inner.capabilities;
  }

  async initialize(): Promise<void> {}

  async destroy(): Promise<void> {}

  validateCredentials(): Promise<ValidatedAccount> {
    return this.inner.validateCredentials();
  }

  sendMessage(message: OutboundMessage): Promise<SendResult> {
    return this.sendVia(message);
  }
}
