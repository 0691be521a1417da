// Contender 1: our relay, exactly as `npm run relay -- serve` runs it (default SQLite store,
// durable: each 200 after the fsync; info logs to stdout), in its own process. The harness discards stdout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as relayModule from 'switchboard-relay/relay';
import { RELAY_SECRET, WEBHOOK_TOKEN } from './common';
import { announce } from './server-control';

// The relay bundled as the package bundles it (relay-bench.ts: bundleRelay), not the sources through tsx.
const bundle = process.env.BENCH_RELAY_BUNDLE;
if (!bundle) throw new Error('relay-server.ts runs the relay bundle relay-bench.ts builds (BENCH_RELAY_BUNDLE)');
const { createRelay } = (await import(bundle)) as typeof relayModule;

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
