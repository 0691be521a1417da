// A load generator process: POSTs sandbox-shaped `assigned` webhooks at a fixed rate (open
// loop: sends follow the clock, not the answers), each carrying its send time. Requests that
// would exceed `maxInFlight` are skipped and counted, so an overloaded server shows up as
// skipped sends rather than as a generator that silently slows down.
import { Agent, request } from 'node:http';
import { CONVERSATION_EVENTS_WEBHOOK_PATH } from '@switchboard/protocol/webhooks';
import { nowUs, webhookTemplate, WEBHOOK_TOKEN } from './common';

interface RunCmd {
  cmd: 'run';
  port: number;
  agents: string[];
  /** requests per second from this process */
  rate: number;
  durationMs: number;
  maxInFlight: number;
  sockets: number;
  idPrefix: string;
}

const body = webhookTemplate();

function run(c: RunCmd): Promise<object> {
  const agent = new Agent({ keepAlive: true, maxSockets: c.sockets });
  const statuses: Record<string, number> = {};
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let skipped = 0;
  let inFlight = 0;
  let due = 0;
  let lastResponseUs = 0;
  let next = 0;
  const total = Math.round((c.rate * c.durationMs) / 1000);
  const startUs = nowUs();

  return new Promise((resolve) => {
    const finishIfDone = () => {
      if (due >= total && inFlight === 0) {
        clearInterval(timer);
        agent.destroy();
        resolve({ type: 'done', sent, ok, failed, skipped, statuses, startUs, lastResponseUs });
      }
    };
    const send = () => {
      const t = nowUs();
      const text = body(c.agents[next++ % c.agents.length]!, `${c.idPrefix}-${sent}`, t);
      sent++;
      inFlight++;
      const req = request(
        {
          agent,
          host: '127.0.0.1',
          port: c.port,
          method: 'POST',
          path: CONVERSATION_EVENTS_WEBHOOK_PATH,
          headers: { 'content-type': 'application/json', authorization: WEBHOOK_TOKEN, 'content-length': Buffer.byteLength(text) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            inFlight--;
            lastResponseUs = nowUs();
            statuses[res.statusCode!] = (statuses[res.statusCode!] ?? 0) + 1;
            if (res.statusCode === 200) ok++;
            else failed++;
            finishIfDone();
          });
        },
      );
      req.on('error', (err) => {
        inFlight--;
        failed++;
        statuses[err.message] = (statuses[err.message] ?? 0) + 1;
        finishIfDone();
      });
      req.end(text);
    };
    const tick = () => {
      const target = Math.min(total, Math.floor(((nowUs() - startUs) * c.rate) / 1e6) + 1);
      while (due < target) {
        due++;
        if (inFlight >= c.maxInFlight) skipped++;
        else send();
      }
      finishIfDone();
    };
    const timer = setInterval(tick, 1);
    tick();
  });
}

process.on('message', (m: RunCmd) => {
  if (m.cmd === 'run')
    run(m).then(
      (r) => process.send!(r),
      (err: Error) => process.send!({ type: 'error', error: err.message }),
    );
  if ((m as { cmd: string }).cmd === 'exit') process.exit(0);
});
process.send!({ type: 'up' });
