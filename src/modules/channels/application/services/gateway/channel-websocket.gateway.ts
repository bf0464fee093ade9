import type { Server as HttpServer } from 'node:http';
import { Server, type Namespace } from 'socket.io';
import type { JwtService } from '../../../../../shared/auth/jwt.service';
import type { ConversationEntity } from '../../../domain/entities/conversation.entity';
import type { MessageEntity, MessageStatus } from '../../../domain/entities/message.entity';
import type { ClusterBus, OwnerAnswer, OwnerCall } from '../../../domain/ports/cluster-bus.port';
import type { ChannelEvent, RealtimePublisher } from '../../../domain/ports/realtime-publisher.port';
import { toConversationDto, toMessageDto, toMessageStatusDto } from '../../../infrastructure/mappers/dto.mapper';
import type { ChannelUseCases } from '../../use-cases/channel.use-cases';
import type { MessageUseCases } from '../../use-cases/message.use-cases';
import type { HealthService } from '../health.service';
import { registerAuthNamespace } from './auth-namespace.handler';
import { channelRoom, registerChannelNamespace } from './channel-namespace.handler';
import { ALL_COMPANIES_ROOM, companyRoom, registerMessageNamespace, type SendRateLimit } from './message-namespace.handler';
import { NamespaceStats } from './namespace-stats';
import { socketAuth } from './socket-auth.middleware';
import { setInternalErrorLogger } from './socket-reply';
import type { Logger } from 'pino';
import type { AuthNamespace, ChannelNamespace, MessageNamespace, SystemNamespace } from './socket-events.types';
import { registerSystemNamespace } from './system-namespace.handler';

/** Options of the Socket.IO server. */
export interface GatewayOptions {
  corsOrigins: string[] | '*';
  /** Optional adapter factory (the Redis adapter when REDIS_URL is set). */
  adapter?: Parameters<Server['adapter']>[0];
  sendRateLimit: SendRateLimit;
  /** Largest accepted event frame; a bigger one closes only the sending socket's connection. */
  maxPayloadBytes: number;
  /** How long a change notice waits for the other instances' acknowledgements (their cache lifetime; 0: no wait). */
  noticeWaitMs?: number;
}

/** What the namespace handlers call into. */
export interface GatewayDependencies {
  channels: ChannelUseCases;
  messages: MessageUseCases;
  health: HealthService;
  logger: Logger;
}

const NAMESPACES = ['/auth', '/channel', '/message', '/system'] as const;

/** The Socket.IO gateway: owns the server and its four namespaces, and pushes stored changes to agents. */
export class ChannelWebSocketGateway implements RealtimePublisher, ClusterBus {
  private io?: Server;
  private readonly ns = new Map<string, Namespace>();
  private readonly stats = new Map<string, NamespaceStats>();
  private channelChangeHandler?: (channelId: string, restart: boolean) => void;
  private subscriptionsChangeHandler?: (companyId: number) => void;
  private ownerCallHandler?: (call: OwnerCall) => Promise<OwnerAnswer | undefined>;

  constructor(
    private readonly jwt: JwtService,
    private readonly options: GatewayOptions,
  ) {}

  /** Attaches Socket.IO to the HTTP server and registers every namespace, each with its own auth middleware. */
  attach(httpServer: HttpServer, deps: GatewayDependencies): Server {
    const io = new Server(httpServer, {
      cors: { origin: this.options.corsOrigins === '*' ? '*' : this.options.corsOrigins },
      adapter: this.options.adapter,
      serveClient: false,
      maxHttpBufferSize: this.options.maxPayloadBytes,
      // Connection-state recovery stays off: Socket.IO restores a socket's rooms and replays missed
      // packets before any middleware runs, so a reconnect with another company's token would get
      // the old company's events. Clients reconnect as new sockets and rejoin their channels.
    });
    this.io = io;
    setInternalErrorLogger((err, event) => deps.logger.error({ module: 'gateway', operation: event, err }, 'socket event failed'));
    // The main namespace serves nothing; without a guard it would accept anyone.
    io.use(socketAuth(this.jwt));
    for (const name of NAMESPACES) {
      const namespace = io.of(name);
      this.ns.set(name, namespace);
      this.stats.set(name, new NamespaceStats(namespace));
    }
    // Each notice is acknowledged once applied, so the instance that made the change can answer its caller.
    const notice = <T>(event: string, valid: (arg: unknown) => arg is T, apply: (arg: T) => void) =>
      io.on(event as never, (arg: unknown, ack?: unknown) => {
        if (valid(arg)) apply(arg);
        if (typeof ack === 'function') ack(true);
      });
    const isString = (v: unknown): v is string => typeof v === 'string';
    const isNumber = (v: unknown): v is number => typeof v === 'number';
    notice('channel:changed', isString, (channelId) => this.channelChangeHandler?.(channelId, true));
    notice('channel:touched', isString, (channelId) => this.channelChangeHandler?.(channelId, false));
    notice('subscriptions:changed', isNumber, (companyId) => this.subscriptionsChangeHandler?.(companyId));
    io.on('owner:call' as never, (call: OwnerCall, ack?: (answer: OwnerAnswer | null) => void) => {
      if (typeof ack !== 'function') return;
      const handled = call && typeof call.channelId === 'string' ? this.ownerCallHandler?.(call) : undefined;
      if (!handled) return ack(null);
      handled.then(
        (answer) => ack(answer ?? null),
        (err: unknown) => ack({ error: { name: 'Error', message: err instanceof Error ? err.message : String(err) } }),
      );
    });
    registerAuthNamespace(this.ns.get('/auth') as AuthNamespace, this.jwt, this.stats.get('/auth')!);
    registerChannelNamespace(this.ns.get('/channel') as ChannelNamespace, this.jwt, deps.channels, this.stats.get('/channel')!);
    registerMessageNamespace(this.ns.get('/message') as MessageNamespace, this.jwt, deps.messages, this.stats.get('/message')!, this.options.sendRateLimit);
    registerSystemNamespace(this.ns.get('/system') as SystemNamespace, this.jwt, deps.health, () => this.getStats(), this.stats.get('/system')!);
    return io;
  }

  /** Other instances hear of a channel change through the adapter (a no-op with a single instance). */
  channelChanged(channelId: string, restart = true): Promise<void> {
    return this.notifyOthers(restart ? 'channel:changed' : 'channel:touched', channelId);
  }

  subscriptionsChanged(companyId: number): Promise<void> {
    return this.notifyOthers('subscriptions:changed', companyId);
  }

  // Waits for every other instance's acknowledgement, at most the cache lifetime: past it, whatever
  // a silent instance cached before the change has expired anyway.
  private notifyOthers(event: string, arg: unknown): Promise<void> {
    const io = this.io;
    const waitMs = this.options.noticeWaitMs ?? 0;
    if (!io || !this.options.adapter) return Promise.resolve();
    if (waitMs <= 0) {
      io.serverSideEmit(event, arg);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      io.serverSideEmit(event, arg, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Sets what this instance does when another one changed a company's event webhook subscriptions. */
  onSubscriptionsChanged(handler: (companyId: number) => void): void {
    this.subscriptionsChangeHandler = handler;
  }

  async callOwner(call: OwnerCall): Promise<OwnerAnswer | null> {
    const io = this.io;
    if (!io || !this.options.adapter) return null;
    // The callback form keeps the answers that did arrive when a silent instance lets the request time out.
    const { err, answers } = await new Promise<{ err: Error | null; answers: (OwnerAnswer | null)[] }>((resolve) =>
      io.serverSideEmit('owner:call', call, (e: Error | null, responses: (OwnerAnswer | null)[]) => resolve({ err: e, answers: responses ?? [] })),
    );
    const answer = answers.find((a) => a);
    if (answer) return answer;
    // An instance that did not answer may be the runner, mid-call: what it did is unknown.
    return err ? { error: { name: 'OwnerTimeout', message: err.message } } : null;
  }

  onOwnerCall(handler: (call: OwnerCall) => Promise<OwnerAnswer | undefined>): void {
    this.ownerCallHandler = handler;
  }

  /** Sets what this instance does when another one changed a channel (`restart`: rebuild its provider too). */
  onChannelChanged(handler: (channelId: string, restart: boolean) => void): void {
    this.channelChangeHandler = handler;
  }

  /** Per-namespace statistics of this instance. */
  getStats(): Record<string, ReturnType<NamespaceStats['snapshot']>> {
    return Object.fromEntries([...this.stats].map(([name, s]) => [name, s.snapshot()]));
  }

  messageReceived(message: MessageEntity, conversation: ConversationEntity): void {
    const payload = { message: toMessageDto(message), conversation: toConversationDto(conversation) };
    this.toCompany(message.companyId, 'message_received', payload);
    this.channelEvent({ id: message.channelId, companyId: message.companyId }, 'message.received', payload);
  }

  messageCreated(message: MessageEntity, conversation: ConversationEntity): void {
    this.toCompany(message.companyId, 'message_created', { message: toMessageDto(message), conversation: toConversationDto(conversation) });
  }

  messageStatus(message: MessageEntity, previousStatus: MessageStatus): void {
    this.toCompany(message.companyId, 'message_status', toMessageStatusDto(message, previousStatus));
  }

  conversationUpdated(conversation: ConversationEntity, change: string): void {
    this.toCompany(conversation.companyId, 'conversation_updated', { change, conversation: toConversationDto(conversation) });
  }

  channelEvent(channel: { id: string; companyId: number }, event: ChannelEvent, payload: Record<string, unknown> = {}): void {
    const namespace = this.ns.get('/channel');
    if (!namespace) return;
    this.stats.get('/channel')!.eventsOut++;
    // Only sockets of the channel's company can be in its room: channel.join checks the tenant.
    namespace.to(channelRoom(channel.id)).emit(`channel.${event}`, { ...payload, channelId: channel.id, timestamp: new Date().toISOString() });
  }

  private toCompany(companyId: number, event: string, payload: unknown): void {
    const namespace = this.ns.get('/message');
    if (!namespace) return;
    this.stats.get('/message')!.eventsOut++;
    namespace.to([companyRoom(companyId), ALL_COMPANIES_ROOM]).emit(event, payload);
  }

  /** Tells this instance's clients why, disconnects them, and closes every namespace (and the adapter's subscriptions). */
  async close(reason = 'Server shutting down'): Promise<void> {
    if (!this.io) return;
    const io = this.io;
    this.io = undefined;
    // local: with the Redis adapter a plain emit/disconnect would reach every instance's clients.
    for (const namespace of this.ns.values()) namespace.local.emit('server_shutdown', { reason });
    // Clients multiplex namespaces over one connection: closing it before the notices are written
    // would lose them, so wait (bounded) until every connection has flushed.
    await flushConnections(io, 1000);
    for (const namespace of this.ns.values()) namespace.local.disconnectSockets(true);
    this.ns.clear();
    await new Promise<void>((resolve) => io.close(() => resolve()));
  }
}

/** Resolves when no engine.io connection has packets waiting to be written, or after `timeoutMs`. */
async function flushConnections(io: Server, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // engine.io keeps each connection's unsent packets in `writeBuffer` (not public API; absent means flushed).
  const clients = () => Object.values((io.engine as unknown as { clients: Record<string, { writeBuffer?: unknown[] }> }).clients ?? {});
  const pending = () => clients().some((c) => (c.writeBuffer?.length ?? 0) > 0);
  while (pending() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}
