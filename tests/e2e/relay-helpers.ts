// A real relay (in-process, real SQLite file, real websockets) for end-to-end tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelay, type Relay, type RelayOptions } from '../../relay/relay';
import { issueRelayToken } from '../../relay/auth';
import type { Launched } from './fixtures';

export const RELAY_SECRET = 'e2e-secret-0123456789abcdef0123456789abcdef';
export const WEBHOOK_TOKEN = 'e2e-webhook-token';

export class RelayUnderTest {
  private dir = mkdtempSync(join(tmpdir(), 'switchboard-relay-e2e-'));
  relay!: Relay;
  port = 0;

  get dbPath() {
    return join(this.dir, 'relay.db');
  }

  constructor(private readonly extra: Partial<RelayOptions> = {}) {}

  async start(port = this.port): Promise<Relay> {
    this.relay = await createRelay({ port, host: '127.0.0.1', dbPath: this.dbPath, secret: RELAY_SECRET, webhookToken: WEBHOOK_TOKEN, logLevel: 'silent', ...this.extra });
    this.port = this.relay.port;
    return this.relay;
  }

  async stop() {
    await this.relay.close();
  }

  token(agent: string) {
    return issueRelayToken(RELAY_SECRET, agent).token;
  }

  async dispose() {
    await this.relay?.close().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function notifications(launched: Launched): Promise<Record<string, { title: string; message: string; contextMessage?: string }>> {
  const w = await launched.worker();
  // chrome.notifications.getAll only returns ids; the extension keeps what it showed in storage for us to read.
  return w.evaluate(async () => {
    const ids = Object.keys(await chrome.notifications.getAll());
    const shown = ((await chrome.storage.session.get('shown-notifications'))['shown-notifications'] ?? {}) as Record<string, { title: string; message: string }>;
    return Object.fromEntries(ids.map((id) => [id, shown[id] ?? { title: '?', message: '?' }]));
  });
}
