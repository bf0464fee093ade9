import type { Socket } from 'socket.io';
import type { JwtService } from '../../../../../shared/auth/jwt.service';
import { bearerToken } from '../../../../../shared/auth/jwt.service';
import { AppError } from '../../../../../shared/errors/app-error';

/** Token of a handshake: `auth.token`, then `Authorization: Bearer`, then the `token` query. */
export function handshakeToken(socket: Socket): string | undefined {
  const auth = socket.handshake.auth as { token?: unknown } | undefined;
  if (typeof auth?.token === 'string' && auth.token) return auth.token.replace(/^Bearer\s+/i, '');
  const header = bearerToken(socket.handshake.headers.authorization);
  if (header) return header;
  const query = socket.handshake.query.token;
  return typeof query === 'string' && query ? query : undefined;
}

/** Disconnects the socket when its token expires: an expired token must not keep receiving events. */
export function disconnectAtExpiry(socket: Socket): void {
  const expiresAt = (socket.data.user as { expiresAt?: number } | undefined)?.expiresAt;
  if (!expiresAt) return;
  // setTimeout cannot wait longer than ~24.8 days; such tokens are cut then and may reconnect.
  const timer = setTimeout(() => {
    socket.emit('auth_expired', { message: 'Token expired' });
    socket.disconnect(true);
  }, Math.min(Math.max(expiresAt - Date.now(), 0), 2_147_000_000));
  timer.unref();
  socket.once('disconnect', () => clearTimeout(timer));
}

/** Namespace middleware: refuses the connection with a connect_error whose message contains "Token". */
export function socketAuth(jwt: JwtService) {
  return (socket: Socket, next: (err?: Error) => void) => {
    try {
      socket.data.user = jwt.verify(handshakeToken(socket));
      next();
    } catch (err) {
      const message = err instanceof AppError ? err.message : 'Token invalid';
      next(Object.assign(new Error(message), { data: { code: err instanceof AppError ? err.code : 'TOKEN_INVALID' } }));
    }
  };
}
