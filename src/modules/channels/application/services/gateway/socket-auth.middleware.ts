import type { Socket } from 'socket.io';
import type { JwtService } from '../../../../../shared/auth/jwt.service';
import { bearerToken } from '../../../../../shared/auth/jwt.service';
import { AppError, UnauthorizedError } from '../../../../../shared/errors/app-error';

/**
 * Token of a handshake: `auth.token`, then `Authorization: Bearer`, then the `token` query. The
 * first place that holds anything decides: a malformed value there is refused, never skipped.
 */
export function handshakeToken(socket: Socket): string | undefined {
  const auth = socket.handshake.auth as { token?: unknown } | undefined;
  if (auth?.token !== undefined && auth.token !== null && auth.token !== '') {
    if (typeof auth.token !== 'string') throw new UnauthorizedError('Token malformed', 'TOKEN_INVALID');
    return auth.token.replace(/^Bearer\s+/i, '') || undefined;
  }
  const header = socket.handshake.headers.authorization;
  if (header) {
    const token = bearerToken(header);
    if (!token) throw new UnauthorizedError('Token malformed: use Authorization: Bearer <token>', 'TOKEN_INVALID');
    return token;
  }
  const query = socket.handshake.query.token;
  if (query === undefined || query === '') return undefined;
  if (typeof query !== 'string') throw new UnauthorizedError('Token malformed', 'TOKEN_INVALID');
  return query;
}

/** An Error whose message contains "Token" (socket.io sends it to the client as connect_error). */
function tokenError(err: unknown): Error {
  const message = err instanceof AppError ? err.message : 'Token invalid';
  return Object.assign(new Error(message), { data: { code: err instanceof AppError ? err.code : 'TOKEN_INVALID' } });
}

/**
 * Namespace middleware requiring a valid access token. It runs for every new connection, and for
 * a recovered one too when connection-state recovery is enabled with `skipMiddlewares: false`.
 */
export function socketAuth(jwt: JwtService) {
  return (socket: Socket, next: (err?: Error) => void) => {
    try {
      socket.data.user = jwt.verify(handshakeToken(socket));
      next();
    } catch (err) {
      next(tokenError(err));
    }
  };
}

/** /auth middleware: a token is optional; a bad one is remembered and answered with auth_error on connect. */
export function optionalSocketAuth(jwt: JwtService) {
  return (socket: Socket, next: (err?: Error) => void) => {
    try {
      const token = handshakeToken(socket);
      if (token) socket.data.user = jwt.verify(token);
    } catch (err) {
      const e = tokenError(err) as Error & { data: { code: string } };
      socket.data.handshakeError = { message: e.message, code: e.data.code };
    }
    next();
  };
}

/** Disconnects the socket when its token expires: an expired token must not keep receiving events. */
export function disconnectAtExpiry(socket: Socket): void {
  // A socket re-authenticated on /auth gets the new token's deadline, not the old one's.
  clearTimeout(socket.data.expiryTimer as NodeJS.Timeout | undefined);
  const expiresAt = (socket.data.user as { expiresAt?: number } | undefined)?.expiresAt;
  if (!expiresAt) return;
  // setTimeout cannot wait longer than ~24.8 days; such tokens are cut then and may reconnect.
  const timer = setTimeout(() => {
    socket.emit('auth_expired', { message: 'Token expired' });
    socket.disconnect(true);
  }, Math.min(Math.max(expiresAt - Date.now(), 0), 2_147_000_000));
  timer.unref();
  socket.data.expiryTimer = timer;
  // One listener per socket, however often it re-authenticates.
  if (!socket.data.expiryCleanup) {
    socket.data.expiryCleanup = true;
    socket.once('disconnect', () => clearTimeout(socket.data.expiryTimer as NodeJS.Timeout | undefined));
  }
}
