// Contender 1: our relay, exactly as `npm run relay -- serve` runs it (default SQLite store,
// durable: each 200 after the fsync; info logs to stdout), in its own process. The harness discards stdout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as thisRelay from 'switchboard-relay/relay';
import { RELAY_SECRET, WEBHOOK_TOKEN } from './common';
import { announce } from './server-control';

// BENCH_RELAY_SRC: another checkout's relay.ts, to compare two versions in alternating runs (bench/ab.ts).
const { createRelay } = (process.env.BENCH_RELAY_SRC ? await import(process.env.BENCH_RELAY_SRC) : thisRelay) as typeof thisRelay;

// The temp dir is on the same disk as everything else here; fsync is real.
const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-relay-'));
// As `serve` runs it (durable SQLite file, info logs), except the limits: the webhook limit (the
// load generator goes beyond the default 1,000/s) and the per-address connection cap (every
// client socket comes from 127.0.0.1, up to 400 of them at once waiting for their hello).
const relay = await createRelay({
  port: 0,
  host: '127.0.0.1',
  dbPath: join(dir, 'relay.db'),
  secret: RELAY_SECRET,
  webhookToken: WEBHOOK_TOKEN,
  webhookRateLimit: 0,
  maxUnauthPerAddress: 4096,
});
announce(relay.port, async () => {
  await relay.close();
  rmSync(dir, { recursive: true, force: true });
});
