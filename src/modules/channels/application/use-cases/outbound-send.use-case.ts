import type { Logger } from 'pino';
import { retryBlips } from '../../../../shared/retry';
import type { OutboundConfig } from '../../../../config/config';
import type { ChannelEntity } from '../../domain/entities/channel.entity';
import type { MessageEntity } from '../../domain/entities/message.entity';
import type { RealtimePublisher } from '../../domain/ports/realtime-publisher.port';
import type { ChannelLookup } from '../services/channel-lookup.cache';
import type { OrphanStatusRepository } from '../../domain/repositories/orphan-status.repository.interface';
import type { MessageRepository, StatusUpdate } from '../../domain/repositories/message.repository.interface';
import { ProviderSendError } from '../../infrastructure/providers/base.provider';
import { isUniqueViolation } from '../../infrastructure/repositories/prisma-errors';
import type { OutboundJob, OutboundJobControl, OutboundJobOutcome } from '../ports/outbound-queue.port';
import type { SendRateLimiter } from '../ports/send-rate-limiter.port';
import { NO_METRICS, type ServiceMetrics } from '../ports/service-metrics.port';
import type { ChannelRuntimeService } from '../services/channel-runtime.service';
import type { CircuitBreakers } from '../services/outbound/circuit-breaker';
import { retryDelayMs } from '../services/outbound/retry-policy';
import { GroupCommit } from '../services/group-commit';
import type { StatusChange } from '../../domain/repositories/message.repository.interface';

const DONE: OutboundJobOutcome = { kind: 'done' };
/** Tries to store a send's outcome (about 3 s in all) before the run gives up and throws. */
const RECORD_ATTEMPTS = 5;
const wait = (delayMs: number): OutboundJobOutcome => ({ kind: 'retry', delayMs, countAttempt: false });
/** Sends whose reads and writes share one statement at most, and such statements of each kind at once. */
const MAX_BATCH = 200;
const MAX_CONCURRENT = 2;

/**
 * The outbound worker's story for one queued message: skip it unless still PENDING, wait for the
 * channel's rate and circuit, send it through the provider, store SENT or FAILED and emit the
 * change, or ask the queue to retry a retryable failure with backoff.
 */
export class OutboundSendUseCase {
  // Concurrent sends read their messages, store their outcomes and take their orphan statuses
  // together (group commit): at full speed three statements per batch instead of three per send.
  private readonly reads: GroupCommit<string, MessageEntity | null>;
  private readonly outcomes: GroupCommit<{ id: string; update: StatusUpdate }, StatusChange | null>;
  private readonly orphanTakes: GroupCommit<{ channelId: string; externalId: string }, StatusUpdate[]>;

  constructor(
    private readonly messages: MessageRepository,
    private readonly channels: ChannelLookup,
    private readonly runtime: ChannelRuntimeService,
    private readonly publisher: RealtimePublisher,
    private readonly limiter: SendRateLimiter,
    private readonly breakers: CircuitBreakers,
    private readonly options: OutboundConfig,
    private readonly logger: Logger,
    private readonly orphans: OrphanStatusRepository,
    private readonly metrics: ServiceMetrics = NO_METRICS,
  ) {
    const batching = { maxBatch: MAX_BATCH, maxConcurrent: MAX_CONCURRENT };
    this.reads = new GroupCommit({ ...batching, runBatch: (ids) => messages.findForSendBatch(ids), runOne: (id) => messages.findForSend(id) });
    this.outcomes = new GroupCommit({ ...batching, runBatch: (items) => messages.updateStatusesByIdBatch(items), runOne: ({ id, update }) => messages.updateStatusById(id, update) });
    this.orphanTakes = new GroupCommit({ ...batching, runBatch: (keys) => orphans.takeMany(keys), runOne: (k) => orphans.take(k.channelId, k.externalId) });
  }

  async handle(job: OutboundJob, control: OutboundJobControl): Promise<OutboundJobOutcome> {
    const message = await this.reads.submit(job.messageId);
    // Already sent or failed (a job enqueued twice, or re-enqueued by recovery): nothing to do.
    if (!message || message.direction !== 'outgoing' || message.status !== 'PENDING') return DONE;
    const channel = await this.channels.findById(message.channelId);
    if (!channel?.isActive) return this.finish(message, { status: 'FAILED', errorCode: 'CHANNEL_INACTIVE', errorMessage: 'Channel is not active' });
    let provider;
    try {
      provider = await this.runtime.getProvider(channel);
    } catch (err) {
      // The provider cannot start (credentials that no longer decrypt, a browser that fails): counted, with backoff, then FAILED.
      return this.startFailed(message, job.attempts + 1, err);
    }
    if (job.wasSending && !provider.idempotentSends) return this.unconfirmed(message, 'An earlier attempt was interrupted after reaching the provider');
    // Marked before the token is taken so that nothing slow stands between the grant and the call;
    // a run that only waits clears the mark again (the queue resets it with the retry).
    await control.markSending();
    const rate = this.rateOf(channel);
    const rateWait = await this.limiter.take(`outbound:${channel.id}`, rate, Math.max(1, Math.ceil(rate)));
    if (rateWait > 0) return wait(rateWait);
    const circuitWait = this.breakers.admit(channel.id);
    if (circuitWait > 0) return wait(circuitWait);

    const started = Date.now();
    const attempt = job.attempts + 1;
    try {
      const attachments = (message.attachments ?? []).map((a) => ({ url: a.url ?? '', mimeType: a.mimeType ?? 'application/octet-stream', filename: a.filename ?? undefined }));
      const { externalId } = await provider.sendMessage({ id: message.id, conversationId: message.conversationId, to: message.to ?? '', text: message.message, contentType: message.contentType, attachments });
      this.breakers.success(channel.id);
      this.log(message, started, attempt, 'SENT');
      return this.finish(message, { status: 'SENT', externalId });
    } catch (err) {
      const e = err instanceof ProviderSendError ? err : new ProviderSendError('INTERNAL_ERROR', 'Provider call failed', false);
      if (!(err instanceof ProviderSendError)) this.logger.error({ module: 'outbound', operation: 'send', channel_id: channel.id, err }, 'provider threw');
      // Only an unreachable or throttling provider counts against the circuit; a refusal proves it answers.
      if (e.retryable) this.breakers.failure(channel.id);
      else this.breakers.success(channel.id);
      this.log(message, started, attempt, e.code);
      this.metrics.providerError(channel.provider, e.code);
      if (e.outcomeUnknown && !provider.idempotentSends) return this.unconfirmed(message, e.message);
      if (e.retryable && attempt < this.options.maxAttempts) return { kind: 'retry', delayMs: retryDelayMs(attempt, this.options), countAttempt: true };
      return this.finish(message, { status: 'FAILED', errorCode: e.code, errorMessage: attempt > 1 ? `${e.message} (after ${attempt} attempts)` : e.message });
    }
  }

  private startFailed(message: MessageEntity, attempt: number, err: unknown): Promise<OutboundJobOutcome> | OutboundJobOutcome {
    const reason = err instanceof Error ? err.message : String(err);
    this.logger.warn({ module: 'outbound', operation: 'send', channel_id: message.channelId, message_id: message.id, attempt, reason }, 'provider could not start');
    this.metrics.providerError('runtime', 'PROVIDER_START_FAILED');
    if (attempt < this.options.maxAttempts) return { kind: 'retry', delayMs: retryDelayMs(attempt, this.options), countAttempt: true };
    return this.finish(message, { status: 'FAILED', errorCode: 'PROVIDER_START_FAILED', errorMessage: `The channel's provider could not start (after ${attempt} attempts): ${reason}` });
  }

  /**
   * The provider may have sent it and offers no idempotency key: a blind retry could send it twice,
   * so it fails with TIMEOUT_UNCONFIRMED (no provider id is known to match later statuses to).
   */
  private unconfirmed(message: MessageEntity, reason: string): Promise<OutboundJobOutcome> {
    return this.finish(message, { status: 'FAILED', errorCode: 'TIMEOUT_UNCONFIRMED', errorMessage: `Not retried, it may have been sent: ${reason}` });
  }

  /** Stores the final status and emits `message_status`. */
  private async finish(message: MessageEntity, update: StatusUpdate): Promise<OutboundJobOutcome> {
    const change = await this.record(message, update);
    if (change) {
      this.publisher.messageStatus({ ...change.message, attachments: message.attachments }, change.previousStatus);
      this.metrics.message(message.channelId, 'outgoing', change.message.status);
    }
    if (change && update.externalId) await this.applyOrphans(message, update.externalId);
    return DONE;
  }

  /** Statuses that arrived while the provider call was still answering (delivered before "sent" was stored). */
  private async applyOrphans(message: MessageEntity, externalId: string): Promise<void> {
    for (const orphan of await this.orphanTakes.submit({ channelId: message.channelId, externalId })) {
      const { change } = await this.messages.updateStatusByExternalId(message.channelId, externalId, orphan);
      if (change) this.publisher.messageStatus({ ...change.message, attachments: message.attachments }, change.previousStatus);
    }
  }

  /**
   * Stores the outcome, retrying a database blip a few times (bounded): the provider already acted,
   * and a run that throws here would be retried as "maybe sent" (unconfirmed) instead of SENT.
   */
  private record(message: MessageEntity, update: StatusUpdate) {
    return retryBlips(() => this.recordOnce(message, update), {
      attempts: RECORD_ATTEMPTS,
      baseDelayMs: 100,
      onRetry: (err, attempt) => this.logger.warn({ module: 'outbound', operation: 'record', message_id: message.id, attempt, err }, 'storing the send outcome failed; trying again'),
    });
  }

  /** A provider id already used by another message of the channel cannot be stored twice; the message was still sent. */
  private async recordOnce(message: MessageEntity, update: StatusUpdate) {
    try {
      return await this.outcomes.submit({ id: message.id, update });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      this.logger.warn({ module: 'outbound', operation: 'send', channel_id: message.channelId, message_id: message.id }, 'provider returned a message id already stored');
      return this.messages.updateStatusById(message.id, { status: update.status, errorCode: 'DUPLICATE_PROVIDER_ID', errorMessage: `Provider id ${update.externalId} already belongs to another message` });
    }
  }

  /** Sends per second of the channel: its `config.send_rate_per_second`, else the provider's default (Meta, Twilio WhatsApp, others). */
  private rateOf(channel: ChannelEntity): number {
    const own = Number((channel.config as Record<string, unknown> | null)?.send_rate_per_second);
    if (Number.isFinite(own) && own > 0) return own;
    const { rates } = this.options;
    if (channel.provider === 'META') return rates.meta;
    if (channel.provider === 'TWILIO' && channel.type === 'WHATSAPP') return rates.twilioWhatsapp;
    return rates.default;
  }

  private log(message: MessageEntity, started: number, attempt: number, outcome: string): void {
    this.logger.info(
      { module: 'outbound', operation: 'send', channel_id: message.channelId, conversation_id: message.conversationId, message_id: message.id, attempt, duration_ms: Date.now() - started, success: outcome === 'SENT', outcome },
      'outbound send attempt',
    );
  }
}
