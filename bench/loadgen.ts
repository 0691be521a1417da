// A load generator process: POSTs sandbox-shaped `assigned` webhooks at a fixed rate (open
// loop: sends follow the clock, not the answers), each carrying its send time. Requests that
// would exceed `maxInFlight` are skipped and counted, so an overloaded server shows up as
// skipped sends rather than as a generator that silently slows down.
//
// HTTP/1.1 is spoken directly on keep-alive TCP sockets, one request at a time on each (as any
// HTTP client without pipelining): the whole harness shares one core while a server has the other
// (bench/README.md), and node:http's client cost ~4× as much CPU per request as this, which capped
// every contender at what the harness's core could send.
import { connect, type Socket } from 'node:net';
import { CONVERSATION_EVENTS_WEBHOOK_PATH } from '@switchboard/protocol/webhooks';
import { nowUs, webhookTemplate, WEBHOOK_TOKEN } from './common';

interface RunCmd {
  cmd: 'run';
  port: number;
  agents: string[];
  /** requests per second from this process */
  rate: number;
  durationMs: number;
  /** keep-alive sockets, one request in flight on each: the most requests in flight */
  sockets: number;
  idPrefix: string;
}

const body = webhookTemplate();
const HEAD_END = Buffer.from('\r\n\r\n');
const CHUNKED_END = Buffer.from('0\r\n\r\n');

interface Conn {
  socket: Socket;
  /** bytes of an answer not yet complete */
  buf?: Buffer;
  busy: boolean;
}

/** One complete answer at the start of `buf`: its status, its length, and whether the server closes after it. */
function parseAnswer(buf: Buffer): { status: number; length: number; close: boolean } | undefined {
  const headEnd = buf.indexOf(HEAD_END);
  if (headEnd < 0) return undefined;
  const head = buf.toString('latin1', 0, headEnd);
  const status = Number.parseInt(head.slice(9, 12), 10);
  const declared = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  let length = headEnd + 4;
  if (declared) length += Number(declared[1]);
  else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const end = buf.indexOf(CHUNKED_END, headEnd + 4);
    if (end < 0) return undefined;
    length = end + CHUNKED_END.length;
  }
  if (buf.length < length) return undefined;
  return { status, length, close: /\r\nconnection:\s*close/i.test(head) };
}

async function run(c: RunCmd): Promise<object> {
  const statuses: Record<string, number> = {};
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let skipped = 0;
  let inFlight = 0;
  let due = 0;
  let lastResponseUs = 0;
  let next = 0;
  let finished = false;
  const total = Math.round((c.rate * c.durationMs) / 1000);
  const prefix = `POST ${CONVERSATION_EVENTS_WEBHOOK_PATH} HTTP/1.1\r\nhost: 127.0.0.1:${c.port}\r\ncontent-type: application/json\r\nauthorization: ${WEBHOOK_TOKEN}\r\ncontent-length: `;
  const idle: Conn[] = [];
  const count = (key: string) => {
    statuses[key] = (statuses[key] ?? 0) + 1;
  };

  const open = () =>
    new Promise<Conn>((resolve, reject) => {
      const conn: Conn = { socket: connect({ host: '127.0.0.1', port: c.port, noDelay: true }), busy: false };
      conn.socket.once('connect', () => resolve(conn));
      conn.socket.on('data', (chunk: Buffer) => {
        let buf = conn.buf ? Buffer.concat([conn.buf, chunk]) : chunk;
        for (let a = parseAnswer(buf); a; a = buf.length ? parseAnswer(buf) : undefined) {
          buf = buf.subarray(a.length);
          if (!conn.busy) continue; // not ours to count (nothing was asked)
          conn.busy = false;
          inFlight--;
          lastResponseUs = nowUs();
          count(String(a.status));
          if (a.status === 200) ok++;
          else failed++;
          if (a.close) conn.socket.destroy();
          else idle.push(conn);
        }
        conn.buf = buf.length ? buf : undefined;
        finishIfDone();
      });
      let error: string | undefined;
      conn.socket.on('error', (err) => {
        error = err.message;
        reject(err);
      });
      conn.socket.on('close', () => {
        const i = idle.indexOf(conn);
        if (i >= 0) idle.splice(i, 1);
        if (conn.busy) {
          conn.busy = false;
          inFlight--;
          failed++;
          count(error ?? 'closed');
        }
        // A socket the server closed is replaced, so that the run keeps its sockets.
        if (!finished)
          open().then(
            (fresh) => idle.push(fresh),
            () => undefined,
          );
        finishIfDone();
      });
    });

  // Every socket is open before the clock starts: connecting is not what is measured.
  idle.push(...(await Promise.all(Array.from({ length: c.sockets }, open))));
  const startUs = nowUs();
  let timer: NodeJS.Timeout | undefined;
  let done: (r: object) => void;
  const result = new Promise<object>((r) => {
    done = r;
  });
  function finishIfDone() {
    if (finished || due < total || inFlight > 0) return;
    finished = true;
    clearInterval(timer);
    for (const conn of idle.splice(0)) conn.socket.destroy();
    done({ type: 'done', sent, ok, failed, skipped, statuses, startUs, lastResponseUs });
  }
  const send = (conn: Conn) => {
    const text = body(c.agents[next++ % c.agents.length]!, `${c.idPrefix}-${sent}`, nowUs());
    sent++;
    inFlight++;
    conn.busy = true;
    conn.socket.write(`${prefix}${Buffer.byteLength(text)}\r\n\r\n${text}`);
  };
  const tick = () => {
    const target = Math.min(total, Math.floor(((nowUs() - startUs) * c.rate) / 1e6) + 1);
    while (due < target) {
      due++;
      const conn = idle.pop();
      if (conn) send(conn);
      else skipped++;
    }
    finishIfDone();
  };
  timer = setInterval(tick, 1);
  tick();
  return result;
}

process.on('message', (m: RunCmd) => {
  if (m.cmd === 'run')
    run(m).then(
      (r) => process.send!(r),
      (err: Error) => process.send!({ type: 'error', error: err.message }),
    );
  if ((m as { cmd: string }).cmd === 'exit') process.exit(0);
});
// The orchestrator went away (killed, or crashed): nothing left to do.
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'up' });
