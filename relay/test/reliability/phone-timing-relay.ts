// A relay child for the phone-outbox fault test: `serve` as cli.ts runs it (the same configuration
// from the same environment), with the phone outbox's retry, lease and poll times shortened from
// PHONE_OUTBOX_TIMING (JSON), so a lease ends in seconds instead of 15. Never loaded by the relay itself.
import { loadConfig } from '../../src/config';
import { createRelay } from '../../src/relay';

const port = process.argv[process.argv.indexOf('--port') + 1];
const loaded = loadConfig({ '--port': port }, process.env);
if (!loaded.ok) {
  process.stderr.write(`relay: cannot start: ${loaded.errors.join('; ')}\n`);
  process.exit(2);
}
const relay = await createRelay({ ...loaded.config, phoneOutbox: JSON.parse(process.env.PHONE_OUTBOX_TIMING ?? '{}') });
process.stderr.write(`relay: listening on ${relay.url}\n`);
process.on('SIGTERM', () => void relay.close().then(() => process.exit(0)));
