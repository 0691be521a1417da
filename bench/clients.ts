// A client process of the harness: holds many agent sockets against one contender and records,
// for each event frame, receive time minus the send time the load generator embedded in it.
// Driven by the orchestrator over IPC; never runs inside a server under test.
import { io as ioClient, type Socket as IoSocket } from 'socket.io-client';
import { WebSocket } from 'ws';
import { nowUs, sentTimeOf, type Contender } from './common';

interface ConnectCmd {
  cmd: 'connect';
  contender: Contender;
  port: number;
  agents: Array<{ email: string; token?: string }>;
  concurrency: number;
}

let latencies: number[] = [];
let received = 0;
let firstUs = 0;
let lastUs = 0;
let unparsable = 0;
const closers: Array<() => void> = [];
let dropped = 0;

function onEventText(text: string): void {
  const now = nowUs();
  const sent = sentTimeOf(text);
  if (Number.isNaN(sent)) {
    unparsable++;
    return;
  }
  received++;
  if (!firstUs) firstUs = now;
  lastUs = now;
  latencies.push(now - sent);
}

function connectWs(contender: 'relay' | 'floor', port: number, agent: { email: string; token?: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const url = contender === 'relay' ? `ws://127.0.0.1:${port}/ws` : `ws://127.0.0.1:${port}/ws?agent=${encodeURIComponent(agent.email)}`;
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let ready = false;
    ws.on('error', (err) => (ready ? undefined : reject(err)));
    ws.on('close', () => {
      if (ready) dropped++;
      else reject(new Error('closed before ready'));
    });
    closers.push(() => ws.terminate());
    if (contender === 'floor') {
      ws.on('open', () => {
        ready = true;
        resolve();
      });
      ws.on('message', (data) => onEventText(String(data)));
      return;
    }
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', token: agent.token, after: 0 })));
    ws.on('message', (data) => {
      const text = String(data);
      if (text.startsWith('{"type":"event"')) onEventText(text);
      else if (!ready && text.startsWith('{"type":"welcome"')) {
        ready = true;
        resolve();
      }
    });
  });
}

function connectIo(port: number, agent: { email: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket: IoSocket = ioClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true, reconnection: false });
    closers.push(() => socket.disconnect());
    let ready = false;
    socket.on('connect_error', (err) => reject(err));
    socket.on('disconnect', () => (ready ? dropped++ : undefined));
    socket.on('event', (body: { conversation?: { description?: string } }) => onEventText(body.conversation?.description ?? ''));
    socket.on('connect', () => {
      socket.emit('join', agent.email, () => {
        ready = true;
        resolve();
      });
    });
  });
}

async function connectAll(c: ConnectCmd): Promise<void> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < c.agents.length) {
      const agent = c.agents[next++]!;
      if (c.contender === 'socketio') await connectIo(c.port, agent);
      else await connectWs(c.contender, c.port, agent);
    }
  };
  await Promise.all(Array.from({ length: Math.min(c.concurrency, c.agents.length) }, worker));
  process.send!({ type: 'connected', n: c.agents.length, ms: performance.now() - started });
}

process.on('message', (m: { cmd: string } & Partial<Omit<ConnectCmd, 'cmd'>>) => {
  try {
    switch (m.cmd) {
      case 'connect':
        connectAll(m as ConnectCmd).catch((err: Error) => process.send!({ type: 'error', error: `connect: ${err.message}` }));
        break;
      case 'reset':
        latencies = [];
        received = 0;
        firstUs = 0;
        lastUs = 0;
        unparsable = 0;
        process.send!({ type: 'reset-done' });
        break;
      case 'count':
        process.send!({ type: 'count', received });
        break;
      case 'report':
        process.send!({ type: 'report', received, firstUs, lastUs, unparsable, dropped, latencies });
        break;
      case 'close':
        for (const close of closers.splice(0)) close();
        process.send!({ type: 'closed' });
        setTimeout(() => process.exit(0), 50);
        break;
    }
  } catch (err) {
    process.send!({ type: 'error', error: (err as Error).message });
  }
});
process.send!({ type: 'up' });
