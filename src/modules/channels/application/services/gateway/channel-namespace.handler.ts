import Joi from 'joi';
import type { JwtService } from '../../../../../shared/auth/jwt.service';
import type { AuthUser } from '../../../../../shared/auth/permissions';
import type { ChannelUseCases } from '../../use-cases/channel.use-cases';
import type { NamespaceStats } from './namespace-stats';
import type { ChannelClientToServerEvents, ChannelNamespace, ChannelSocket } from './socket-events.types';
import { disconnectAtExpiry, socketAuth } from './socket-auth.middleware';
import { ackOf, guardEvents, reply, socketError, validatePayload } from './socket-reply';

/** Room of the sockets that joined one channel. */
export function channelRoom(channelId: string): string {
  return `channel:${channelId}`;
}

// One spelling of an id (lowercase, no braces), so join and leave name the same room.
const channelIdPayload = Joi.object({
  channelId: Joi.string().guid().required().custom((v: string) => v.toLowerCase().replace(/[{}]/g, '')),
}).unknown(false);

/** /channel: join a channel of the socket's company, leave it, ask its runtime status; joined sockets get its events. */
export function registerChannelNamespace(ns: ChannelNamespace, jwt: JwtService, channels: ChannelUseCases, stats: NamespaceStats): void {
  ns.use(socketAuth(jwt));
  ns.on('connection', (socket: ChannelSocket) => {
    guardEvents(socket, stats, 'channel.error');
    disconnectAtExpiry(socket);
    const user = socket.data.user as AuthUser;

    /** Runs a channel request; any failure (including another company's channel: 404) is a channel.error. */
    const handle = (event: keyof ChannelClientToServerEvents, run: (channelId: string) => Promise<[string, unknown]>) =>
      socket.on(event, async (...args: Parameters<ChannelClientToServerEvents[typeof event]> | unknown[]) => {
        const ack = ackOf(args);
        try {
          const { channelId } = validatePayload<{ channelId: string }>(channelIdPayload, typeof args[0] === 'function' ? undefined : args[0]);
          const [answer, payload] = await run(channelId);
          reply(socket, stats, answer, payload, ack);
        } catch (err) {
          reply(socket, stats, 'channel.error', socketError(err, event), ack, false);
        }
      });

    handle('channel.join', async (channelId) => {
      const { channel, runtime } = await channels.getWithStatus(user, channelId);
      await socket.join(channelRoom(channel.id));
      return ['channel.joined', { channelId: channel.id, timestamp: new Date().toISOString(), is_active: channel.isActive, ...runtimeFields(runtime) }];
    });
    handle('channel.leave', async (channelId) => {
      await socket.leave(channelRoom(channelId));
      return ['channel.left', { channelId }];
    });
    handle('channel.status', async (channelId) => {
      const { channel, runtime } = await channels.getWithStatus(user, channelId);
      return ['channel.status_response', { channelId: channel.id, timestamp: new Date().toISOString(), is_active: channel.isActive, ...runtimeFields(runtime), owner_instance: runtime.ownerInstance }];
    });
  });
}

/** Runtime status fields shared by status answers and events. */
export function runtimeFields(runtime: { state: string; running: boolean; authenticated: boolean }) {
  return { status: runtime.state, running: runtime.running, authenticated: runtime.authenticated };
}
