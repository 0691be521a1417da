// `npm run relay -- quarantine list|replay|drop`: the operator's side of the quarantine. It talks
// to the RUNNING relay (admin-routes.ts), so a replayed event reaches the agents connected to it.
// The admin token is minted here from RELAY_SECRET (environment only, never an argument), lives
// five minutes and travels in a header; RELAY_URL must be https unless it is this machine.
import { parseArgs } from 'node:util';
import { ADMIN_MAX_IDS } from './admin-routes';
import { issueAdminToken } from './auth';
import { loadConfigKeys } from './config';
import { QUARANTINE_ID } from './quarantine';

export const QUARANTINE_USAGE = `  switchboard-relay quarantine list            webhooks the adapter could not read (kept, answered 202):
                                               id, received, endpoint, reason, and the body's shape
                                               (keys and types, no values)
  switchboard-relay quarantine replay (--id <id> ... | --all)
                                               run the relay's current adapter (and RELAY_ADAPTER_MAP)
                                               again; what it now reads is stored and sent to the agents,
                                               in order of receipt, and leaves the quarantine
  switchboard-relay quarantine drop (--id <id> ... | --all)
                                               delete entries for good
                                               These call the running relay at RELAY_URL (default
                                               http://127.0.0.1:8787; https unless loopback) with a
                                               5-minute admin token made from RELAY_SECRET.
`;

const DEFAULT_RELAY_URL = 'http://127.0.0.1:8787';

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** The relay's base URL, or why it cannot be used. */
export function relayBaseUrl(raw: string | undefined): { ok: true; url: string } | { ok: false; error: string } {
  let url: URL;
  try {
    url = new URL(raw || DEFAULT_RELAY_URL);
  } catch {
    return { ok: false, error: 'RELAY_URL is not a URL (e.g. https://relay.example.com or http://127.0.0.1:8787)' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, error: 'RELAY_URL must be an http:// or https:// URL' };
  if (url.username || url.password) return { ok: false, error: 'RELAY_URL must not carry a user or password' };
  if (url.search || url.hash) return { ok: false, error: 'RELAY_URL must not have a query or fragment' };
  // The admin token would cross the network readable by anyone on the way.
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname))
    return { ok: false, error: 'RELAY_URL must be https:// unless it is this machine (127.0.0.1, localhost, [::1])' };
  return { ok: true, url: url.origin + url.pathname.replace(/\/+$/, '') };
}

interface Out {
  out(line: string): void;
  err(line: string): void;
}
const STDIO: Out = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`relay: ${l}\n`) };

interface Entry {
  id: string;
  receivedAt: string;
  endpoint: string;
  reason: string;
  detail: string;
  preview: unknown;
}

const parseQuarantineArgs = (argv: string[]) =>
  parseArgs({
    args: argv,
    options: { id: { type: 'string', multiple: true }, all: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });

/** Runs the command; resolves to the exit code (0 ok, 1 failed or ids not found, 2 usage). */
export async function quarantineCommand(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  io: Out = STDIO,
): Promise<number> {
  let args: ReturnType<typeof parseQuarantineArgs>;
  try {
    args = parseQuarantineArgs(argv);
  } catch (err) {
    io.err(`${(err as Error).message} (see --help)`);
    return 2;
  }
  if (args.values.help) {
    io.out(QUARANTINE_USAGE.trimEnd());
    return 0;
  }
  const [sub, ...extra] = args.positionals;
  const ids = args.values.id ?? [];
  const all = args.values.all === true;
  if (!sub || !['list', 'replay', 'drop'].includes(sub) || extra.length) {
    io.err('usage: quarantine list | quarantine replay (--id <id> ... | --all) | quarantine drop (--id <id> ... | --all)');
    return 2;
  }
  if (sub === 'list' && (ids.length || all)) {
    io.err('quarantine list takes no --id or --all');
    return 2;
  }
  if (sub !== 'list' && ids.length > 0 === all) {
    io.err(`quarantine ${sub} needs either --id <id> (repeatable) or --all`);
    return 2;
  }
  const badId = ids.find((id) => !QUARANTINE_ID.test(id));
  if (badId !== undefined) {
    io.err(`"${badId.slice(0, 40)}" is not a quarantine id (q- and 32 hex digits, as quarantine list shows)`);
    return 2;
  }
  if (ids.length > ADMIN_MAX_IDS) {
    io.err(`at most ${ADMIN_MAX_IDS} --id at once (or --all)`);
    return 2;
  }
  const base = relayBaseUrl(env.RELAY_URL);
  if (!base.ok) {
    io.err(base.error);
    return 2;
  }
  // The environment only (flags stay empty): a secret in the arguments would show in `ps`.
  const loaded = loadConfigKeys({}, env, ['secret']);
  if (!loaded.ok) {
    for (const e of loaded.errors) io.err(e);
    return 2;
  }
  const { token } = issueAdminToken(loaded.config.secret);

  const call = async (path: string, body?: unknown): Promise<{ ok: true; json: unknown } | { ok: false }> => {
    let res: Response;
    try {
      res = await fetch(base.url + path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'error',
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      io.err(
        `cannot reach the relay at ${base.url}: ${cause?.code ?? cause?.message ?? (err as Error).message} (is it running? set RELAY_URL)`,
      );
      return { ok: false };
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const error = (json as { error?: unknown } | undefined)?.error;
      io.err(`the relay at ${base.url} answered ${res.status}: ${typeof error === 'string' ? error : text.slice(0, 200)}`);
      return { ok: false };
    }
    return { ok: true, json };
  };

  if (sub === 'list') {
    let after = 0;
    let count = 0;
    while (true) {
      const r = await call(`/admin/quarantine?after=${after}&limit=100`);
      if (!r.ok) return 1;
      const page = r.json as { entries: Entry[]; next: number | null };
      for (const e of page.entries) {
        count++;
        io.out(`${e.id}  ${e.receivedAt}  ${e.endpoint}  ${e.reason}  ${e.detail}`);
        io.out(`    ${JSON.stringify(e.preview)}`);
      }
      if (page.next === null) break;
      after = page.next;
    }
    io.err(count ? `${count} ${count === 1 ? 'entry' : 'entries'} in quarantine` : 'the quarantine is empty');
    return 0;
  }

  const selection = all ? { all: true } : { ids };
  if (sub === 'replay') {
    const r = await call('/admin/quarantine/replay', selection);
    if (!r.ok) return 1;
    const { delivered, kept, missing } = r.json as {
      delivered: Array<{ id: string; endpoint: string; eventId: string; kind: string; seq: number; duplicate: boolean }>;
      kept: Array<{ id: string; reason: string; detail: string }>;
      missing: string[];
    };
    for (const d of delivered)
      io.out(`delivered  ${d.id}  ${d.endpoint}  event ${d.eventId} (${d.kind}, seq ${d.seq}${d.duplicate ? ', already stored' : ''})`);
    for (const k of kept) io.out(`kept       ${k.id}  ${k.reason}  ${k.detail}`);
    for (const id of missing) io.out(`not found  ${id}`);
    io.err(
      `replayed: ${delivered.length} delivered, ${kept.length} still quarantined${missing.length ? `, ${missing.length} not found` : ''}`,
    );
    return missing.length ? 1 : 0;
  }

  const r = await call('/admin/quarantine/drop', selection);
  if (!r.ok) return 1;
  const { dropped, missing } = r.json as { dropped: number; missing: string[] };
  for (const id of missing) io.out(`not found  ${id}`);
  io.err(`dropped ${dropped} ${dropped === 1 ? 'entry' : 'entries'}${missing.length ? `, ${missing.length} not found` : ''}`);
  return missing.length ? 1 : 0;
}
