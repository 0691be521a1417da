// A client process of the harness: holds many agent sockets against one contender and records,
// for each event frame, receive time minus the send time the load generator embedded in it.
// Driven by the orchestrator over IPC; never runs inside a server under test.
//
// The websocket protocol (RFC 6455) and, for Socket.IO, engine.io v4 are spoken directly on TCP
// sockets: the whole harness shares one core while a server has the other (bench/README.md), and
// the `ws` and socket.io-client libraries cost several times this per frame (a string, a
// JSON.parse and an emit per frame, where only the send time is read here).
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { nowUs, type Contender } from './common';

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

/** Where the send time travels (common.ts TIME_MARK), as bytes: found in a frame without decoding it. */
const MARK = Buffer.from('bench-t=');
const HEAD_END = Buffer.from('\r\n\r\n');

/** Records one event frame's latency from the send time in its payload. */
function onEvent(payload: Buffer): void {
  const now = nowUs();
  const i = payload.indexOf(MARK);
  if (i < 0) {
    unparsable++;
    return;
  }
  let sent = 0;
  for (let j = i + MARK.length; j < payload.length; j++) {
    const d = payload[j]! - 48;
    if (d < 0 || d > 9) break;
    sent = sent * 10 + d;
  }
  received++;
  if (!firstUs) firstUs = now;
  lastUs = now;
  latencies.push(now - sent);
}

const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** A client frame: masked, as RFC 6455 requires; an all-zero key leaves the payload as it is. */
function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len, 0, 0, 0, 0]) : Buffer.alloc(8);
  if (len >= 126) {
    if (len > 0xff_ff) throw new Error('frame too large for this harness');
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 126;
    head.writeUInt16BE(len, 2);
  }
  return Buffer.concat([head, payload]);
}

/**
 * One websocket to `path`: resolves once open, then hands every text frame's payload to `onText`
 * (a view into the received bytes, valid during the call) and answers pings.
 */
function openWebsocket(
  port: number,
  path: string,
  onText: (payload: Buffer, send: (text: string) => void) => void,
  onClose: () => void,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    const send = (text: string) => socket.write(frame(OP_TEXT, Buffer.from(text)));
    let buf: Buffer | undefined;
    let open = false;
    socket.on('connect', () =>
      socket.write(
        `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nupgrade: websocket\r\nconnection: Upgrade\r\n` +
          `sec-websocket-key: ${randomBytes(16).toString('base64')}\r\nsec-websocket-version: 13\r\n\r\n`,
      ),
    );
    socket.on('error', (err) => (open ? undefined : reject(err)));
    socket.on('close', () => (open ? onClose() : reject(new Error('closed before the upgrade'))));
    socket.on('data', (chunk: Buffer) => {
      let b = buf ? Buffer.concat([buf, chunk]) : chunk;
      let o = 0;
      if (!open) {
        const headEnd = b.indexOf(HEAD_END);
        if (headEnd < 0) {
          buf = b;
          return;
        }
        if (!b.toString('latin1', 0, 12).startsWith('HTTP/1.1 101')) {
          socket.destroy();
          return reject(new Error(`upgrade refused: ${b.toString('latin1', 0, b.indexOf('\r\n'))}`));
        }
        open = true;
        o = headEnd + 4;
        resolve(socket);
      }
      // Server frames are never masked.
      while (b.length - o >= 2) {
        let len = b[o + 1]! & 0x7f;
        let h = 2;
        if (len === 126) {
          if (b.length - o < 4) break;
          len = b.readUInt16BE(o + 2);
          h = 4;
        } else if (len === 127) {
          if (b.length - o < 10) break;
          len = Number(b.readBigUInt64BE(o + 2));
          h = 10;
        }
        if (b.length - o < h + len) break;
        const opcode = b[o]! & 0x0f;
        const payload = b.subarray(o + h, o + h + len);
        if (opcode === OP_TEXT) onText(payload, send);
        else if (opcode === OP_PING) socket.write(frame(OP_PONG, payload));
        else if (opcode === OP_CLOSE) socket.end();
        o += h + len;
      }
      b = b.subarray(o);
      buf = b.length ? b : undefined;
    });
  });
}

const startsWith = (payload: Buffer, prefix: string) => payload.toString('latin1', 0, prefix.length) === prefix;

/** Our relay: `hello` with the agent's token, ready at `welcome`; events are `{"type":"event",…}`. */
function connectRelay(port: number, agent: { email: string; token?: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    let ready = false;
    openWebsocket(
      port,
      '/ws',
      (payload) => {
        if (ready) {
          if (startsWith(payload, '{"type":"event"')) onEvent(payload);
        } else if (startsWith(payload, '{"type":"welcome"')) {
          ready = true;
          resolve();
        }
      },
      () => (ready ? dropped++ : reject(new Error('closed before welcome'))),
    ).then((socket) => {
      closers.push(() => socket.destroy());
      socket.write(frame(OP_TEXT, Buffer.from(JSON.stringify({ type: 'hello', token: agent.token, after: 0 }))));
    }, reject);
  });
}

/** The floor: every frame is an event body. */
function connectFloor(port: number, agent: { email: string }): Promise<void> {
  return openWebsocket(port, `/ws?agent=${encodeURIComponent(agent.email)}`, onEvent, () => dropped++).then((socket) => {
    closers.push(() => socket.destroy());
  });
}

/**
 * Socket.IO over engine.io v4's websocket transport: `0{…}` open → `40` connect → `40{…}`, then the
 * acknowledged join `420["join",…]` → `430[]`; `2` ping → `3` pong; events are `42["event",{…}]`.
 */
function connectIo(port: number, agent: { email: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    let phase: 'open' | 'connect' | 'join' | 'live' = 'open';
    openWebsocket(
      port,
      '/socket.io/?EIO=4&transport=websocket',
      (payload, send) => {
        if (phase === 'live') {
          if (startsWith(payload, '42')) onEvent(payload);
          else if (payload.length === 1 && payload[0] === 0x32) send('3');
          return;
        }
        const text = payload.toString('utf8');
        if (text === '2') send('3');
        else if (phase === 'open' && text.startsWith('0')) {
          phase = 'connect';
          send('40');
        } else if (phase === 'connect' && text.startsWith('40')) {
          phase = 'join';
          send(`420${JSON.stringify(['join', agent.email])}`);
        } else if (phase === 'join' && text.startsWith('430')) {
          phase = 'live';
          resolve();
        }
      },
      () => (phase === 'live' ? dropped++ : reject(new Error(`closed during ${phase}`))),
    ).then((socket) => closers.push(() => socket.destroy()), reject);
  });
}

async function connectAll(c: ConnectCmd): Promise<void> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < c.agents.length) {
      const agent = c.agents[next++]!;
      if (c.contender === 'socketio') await connectIo(c.port, agent);
      else if (c.contender === 'floor') await connectFloor(c.port, agent);
      else await connectRelay(c.port, agent);
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
// The orchestrator went away (killed, or crashed): nothing left to do.
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'up' });
