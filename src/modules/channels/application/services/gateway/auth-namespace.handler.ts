import type { JwtService } from '../../../../../shared/auth/jwt.service';
import type { AuthUser } from '../../../../../shared/auth/permissions';
import type { NamespaceStats } from './namespace-stats';
import type { AuthNamespace, AuthSocket } from './socket-events.types';
import { disconnectAtExpiry, optionalSocketAuth } from './socket-auth.middleware';
import { ackOf, guardEvents, reply, socketError } from './socket-reply';

function userPayload(user: AuthUser) {
  return {
    user: {
      id: user.id,
      company_id: user.companyId,
      role: user.role,
      permissions: user.permissions,
      expires_at: user.expiresAt ? new Date(user.expiresAt).toISOString() : null,
    },
  };
}

/** /auth: connects without a token; `authenticate {token}` answers `authenticated` or `auth_error`. */
export function registerAuthNamespace(ns: AuthNamespace, jwt: JwtService, stats: NamespaceStats): void {
  ns.use(optionalSocketAuth(jwt));
  ns.on('connection', (socket: AuthSocket) => {
    guardEvents(socket, stats, 'auth_error');
    if (socket.data.user) {
      disconnectAtExpiry(socket);
      reply(socket, stats, 'authenticated', userPayload(socket.data.user));
    } else if (socket.data.handshakeError) {
      reply(socket, stats, 'auth_error', { ...socket.data.handshakeError, event: 'connect' });
    }
    socket.on('authenticate', (...args: unknown[]) => {
      const ack = ackOf(args);
      const payload = (typeof args[0] === 'object' ? args[0] : undefined) as { token?: unknown } | undefined;
      try {
        const token = typeof payload?.token === 'string' ? payload.token.replace(/^Bearer\s+/i, '') : undefined;
        socket.data.user = jwt.verify(token);
        disconnectAtExpiry(socket);
        reply(socket, stats, 'authenticated', userPayload(socket.data.user), ack);
      } catch (err) {
        reply(socket, stats, 'auth_error', socketError(err, 'authenticate'), ack, false);
      }
    });
  });
}
