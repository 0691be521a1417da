// The peer: what a team would write instead — a Socket.IO relay with a room per agent.
// Parses the POST body, emits it to the agent's room. No validation, no auth, no storage.
// Clients connect over the websocket transport and join their room with an acknowledged 'join'.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { announce } from './server-control';

const server = createServer((req, res) => {
  if (req.url?.startsWith('/socket.io')) return; // Socket.IO's own handler answers these
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: { agent?: { id?: string } };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      res.writeHead(400).end();
      return;
    }
    const agent = body.agent?.id?.toLowerCase();
    if (agent) io.to(agent).emit('event', body);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});

const io = new Server(server, { transports: ['websocket'], serveClient: false });
io.on('connection', (socket) => {
  socket.on('join', (agent: unknown, ack?: () => void) => {
    if (typeof agent === 'string') void socket.join(agent.toLowerCase());
    ack?.();
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  announce((server.address() as AddressInfo).port, async () => {
    io.disconnectSockets(true);
    await new Promise<void>((r) => io.close(() => r()));
  });
});
