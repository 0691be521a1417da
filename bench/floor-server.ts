// The floor: the least a relay can do. Parses the POST body, sends it to the addressed agent's
// sockets. No validation, no auth, no storage, no replay. Clients connect to /ws?agent=<email>.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { announce } from './server-control';

const byAgent = new Map<string, Set<WebSocket>>();
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    let agent: string | undefined;
    try {
      agent = (JSON.parse(text) as { agent?: { id?: string } }).agent?.id?.toLowerCase();
    } catch {
      res.writeHead(400).end();
      return;
    }
    for (const ws of (agent && byAgent.get(agent)) || []) ws.send(text);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});

server.on('upgrade', (req, socket, head) => {
  const agent = new URL(req.url ?? '/', 'http://x').searchParams.get('agent')?.toLowerCase();
  if (!agent) return socket.destroy();
  wss.handleUpgrade(req, socket, head, (ws) => {
    let set = byAgent.get(agent);
    if (!set) {
      set = new Set();
      byAgent.set(agent, set);
    }
    set.add(ws);
    ws.on('close', () => {
      set.delete(ws);
      if (set.size === 0) byAgent.delete(agent);
    });
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  announce((server.address() as AddressInfo).port, async () => {
    for (const c of wss.clients) c.terminate();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
});
