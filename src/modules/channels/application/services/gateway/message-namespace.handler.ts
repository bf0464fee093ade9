import type { Namespace, Socket } from 'socket.io';
import type { JwtService } from '../../../../../shared/auth/jwt.service';
import type { MessageClientToServerEvents, MessageServerToClientEvents, SocketData } from './socket-events.types';
import { disconnectAtExpiry, socketAuth } from './socket-auth.middleware';

export type MessageNamespace = Namespace<MessageClientToServerEvents, MessageServerToClientEvents, Record<string, never>, SocketData>;

/** Room of every socket of a company; superadmins join the `all` room. */
export function companyRoom(companyId: number): string {
  return `company:${companyId}`;
}
export const ALL_COMPANIES_ROOM = 'all';

/** /message: authenticated agents join their company's room and receive its message events. */
export function registerMessageNamespace(ns: MessageNamespace, jwt: JwtService): void {
  ns.use(socketAuth(jwt));
  ns.on('connection', (socket: Socket<MessageClientToServerEvents, MessageServerToClientEvents, Record<string, never>, SocketData>) => {
    const user = socket.data.user;
    disconnectAtExpiry(socket);
    void socket.join(user.role === 'superadmin' ? [companyRoom(user.companyId), ALL_COMPANIES_ROOM] : companyRoom(user.companyId));
  });
}
