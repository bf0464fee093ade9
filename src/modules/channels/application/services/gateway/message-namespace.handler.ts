import Joi from 'joi';
import type { JwtService } from '../../../../../shared/auth/jwt.service';
import { can, type AuthUser } from '../../../../../shared/auth/permissions';
import { ForbiddenError } from '../../../../../shared/errors/app-error';
import { toMessageDto } from '../../../infrastructure/mappers/dto.mapper';
import type { MessageUseCases } from '../../use-cases/message.use-cases';
import type { NamespaceStats } from './namespace-stats';
import type { MessageNamespace, MessageSocket } from './socket-events.types';
import { disconnectAtExpiry, socketAuth } from './socket-auth.middleware';
import { ackOf, guardEvents, reply, socketError, validatePayload } from './socket-reply';
import { SocketRateLimiter } from './socket-rate-limiter';

/** Room of every socket of a company; superadmins also join the `all` room. */
export function companyRoom(companyId: number): string {
  return `company:${companyId}`;
}
export const ALL_COMPANIES_ROOM = 'all';

/** Sends allowed per socket: sustained rate and burst. */
export interface SendRateLimit {
  perSecond: number;
  burst: number;
}

const sendMessagePayload = Joi.object({
  channelId: Joi.string().guid().required(),
  message: Joi.string().min(1).max(4096).required(),
  recipient: Joi.string().trim().min(3).max(64),
  conversationId: Joi.string().guid(),
})
  .or('recipient', 'conversationId')
  .unknown(false);

/** /message: agents receive their company's message events and send replies with send_message. */
export function registerMessageNamespace(ns: MessageNamespace, jwt: JwtService, messages: MessageUseCases, stats: NamespaceStats, limit: SendRateLimit): void {
  // Per user as well as per socket: opening more sockets must not multiply a user's sending rate.
  const perUser = new Map<string, SocketRateLimiter>();
  const userLimiter = (user: AuthUser) => {
    const key = `${user.companyId}:${user.id}`;
    let limiter = perUser.get(key);
    if (!limiter) perUser.set(key, (limiter = new SocketRateLimiter(limit.perSecond, limit.burst)));
    return limiter;
  };
  ns.use(socketAuth(jwt));
  ns.on('connection', (socket: MessageSocket) => {
    guardEvents(socket, stats, 'message_error');
    disconnectAtExpiry(socket);
    const user = socket.data.user as AuthUser;
    void socket.join(user.role === 'superadmin' ? [companyRoom(user.companyId), ALL_COMPANIES_ROOM] : companyRoom(user.companyId));
    const limiter = new SocketRateLimiter(limit.perSecond, limit.burst);

    socket.on('send_message', async (...args: unknown[]) => {
      const ack = ackOf(args);
      try {
        if (!limiter.tryTake() || !userLimiter(user).tryTake()) throw new ForbiddenError('Too many messages: slow down', 'RATE_LIMITED');
        if (!can(user, 'messages:create')) throw new ForbiddenError('Missing permission messages:create');
        const p = validatePayload<{ channelId: string; message: string; recipient?: string; conversationId?: string }>(sendMessagePayload, typeof args[0] === 'function' ? undefined : args[0]);
        // The same use case as POST /api/channels/messages: one code path for both.
        const sent = await messages.send(user, {
          channel_id: p.channelId,
          conversation_id: p.conversationId,
          to: p.conversationId ? undefined : p.recipient,
          message: p.message,
          content_type: 'text',
        });
        // Queued (PENDING): the provider's answer follows as message_status (SENT or FAILED with its code).
        reply(socket, stats, 'message_sent', { message: toMessageDto(sent) }, ack);
      } catch (err) {
        reply(socket, stats, 'message_error', socketError(err, 'send_message'), ack, false);
      }
    });
  });
}
