import http from 'node:http';
import { Server } from 'socket.io';

/**
 * Baseline of the socket benchmark: a bare Socket.IO server with a /message namespace that checks
 * nothing, and POST /broadcast {payload} that emits `message_received` to every socket. Prints its port.
 */
const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/broadcast') return void res.writeHead(404).end();
  const chunks: Buffer[] = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    io.of('/message').emit('message_received', JSON.parse(Buffer.concat(chunks).toString('utf8')));
    res.writeHead(200).end();
  });
});
const io = new Server(server, { transports: ['websocket'] });
io.of('/message').on('connection', () => undefined);
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
process.on('SIGTERM', () => io.close(() => process.exit(0)));
