import type { JwtService } from '../../../../../shared/auth/jwt.service';
import type { AuthUser } from '../../../../../shared/auth/permissions';
import { ForbiddenError } from '../../../../../shared/errors/app-error';
import type { HealthService } from '../health.service';
import type { NamespaceStats } from './namespace-stats';
import type { SystemNamespace, SystemSocket } from './socket-events.types';
import { disconnectAtExpiry, socketAuth } from './socket-auth.middleware';
import { ackOf, guardEvents, reply, socketError } from './socket-reply';

/** /system: health_check -> health_response, ping -> pong, stats -> stats_response (superadmins: it spans every company). */
export function registerSystemNamespace(ns: SystemNamespace, jwt: JwtService, health: HealthService, allStats: () => Record<string, unknown>, stats: NamespaceStats): void {
  ns.use(socketAuth(jwt));
  ns.on('connection', (socket: SystemSocket) => {
    guardEvents(socket, stats, 'system_error');
    disconnectAtExpiry(socket);
    const user = socket.data.user as AuthUser;

    socket.on('health_check', async (...args: unknown[]) => {
      reply(socket, stats, 'health_response', await health.check(), ackOf(args));
    });
    socket.on('ping', (...args: unknown[]) => {
      const payload = args[0] as { timestamp?: unknown } | undefined;
      const raw = payload && typeof payload === 'object' ? payload.timestamp : undefined;
      // Only a number or a short string is echoed: client data never goes back out unchecked.
      const timestamp = typeof raw === 'number' || (typeof raw === 'string' && raw.length <= 64) ? raw : null;
      reply(socket, stats, 'pong', { timestamp, serverTime: Date.now() }, ackOf(args));
    });
    socket.on('stats', (...args: unknown[]) => {
      const ack = ackOf(args);
      // Instance-wide counts span every company: a company admin must not watch another's volume.
      if (user.role !== 'superadmin') {
        reply(socket, stats, 'system_error', socketError(new ForbiddenError('Statistics are for superadmins'), 'stats'), ack, false);
        return;
      }
      reply(socket, stats, 'stats_response', { timestamp: new Date().toISOString(), namespaces: allStats() }, ack);
    });
  });
}
