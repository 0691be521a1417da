// The operator's API for the quarantine (`npm run relay -- quarantine …` calls it): list what is
// kept, replay it through the adapter this relay runs now, drop it. It lives in the running relay
// so a replayed event reaches the agents connected to it, through the same path as a webhook.
// Authenticated with a short-lived admin token (auth.ts), never an agent's token.
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod/mini';
import type { AdaptResult, AdaptedEvent } from './snapengage/webhook-adapter';
import { bearerToken, verifyAdminToken } from './auth';
import { refusedCredential, type FailedAttempts } from './client-limits';
import { HttpError, intParam, readJsonBody, sendHttpError, sendJson } from './http';
import type { Logger } from './logger';
import type { RelayMetrics } from './metrics';
import { previewOf, QUARANTINE_ID } from './quarantine';
import type { AppendResult, EventStore, QuarantineEntry } from './store';

export const ADMIN_PREFIX = '/admin/';
const ADMIN_MAX_BODY_BYTES = 64 * 1024;
const ADMIN_LIST_DEFAULT = 100;
/** Each entry's body (up to 1 MiB) is parsed for its preview: a page is bounded in memory too. */
const ADMIN_LIST_MAX = 200;
/** Ids one replay or drop may name (`--all` has no limit). */
export const ADMIN_MAX_IDS = 1000;
/** Entries read from the store at a time by `--all`. */
const PAGE = 100;

export interface AdminDeps extends FailedAttempts {
  store: EventStore;
  secret: string;
  logger: Logger;
  metrics: RelayMetrics;
  /** The adapter the relay runs now (with its field map), for the endpoint an entry came to. */
  adapt(endpoint: string, body: unknown): AdaptResult;
  /** Stores and forwards an event exactly like an accepted webhook; throws when the store fails. */
  deliver(endpoint: string, event: AdaptedEvent): Promise<AppendResult[]>;
}

const Selection = z.union([
  z.strictObject({ all: z.literal(true) }),
  z.strictObject({
    ids: z
      .array(z.string().check(z.regex(QUARANTINE_ID, 'must be a quarantine id (q- and 32 hex digits)')))
      .check(z.minLength(1), z.maxLength(ADMIN_MAX_IDS)),
  }),
]);
type Selection = z.infer<typeof Selection>;

export interface ReplayOutcome {
  delivered: Array<{ id: string; endpoint: string; eventId: string; kind: string; seq: number; duplicate: boolean }>;
  kept: Array<{ id: string; reason: string; detail: string }>;
  missing: string[];
}

export function createAdminHandler(deps: AdminDeps) {
  const { store, logger, metrics } = deps;
  // One replay or drop at a time: two replays interleaving would deliver out of order of receipt.
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  /** A wrong, missing or agent's token takes a failed attempt from the caller's address, as on every other route. */
  function authenticate(req: IncomingMessage): void {
    const token = bearerToken(req.headers);
    if (!token)
      throw refusedCredential(deps, req, 'missing admin token (Authorization: Bearer <token from npm run relay -- quarantine …>)');
    const v = verifyAdminToken(deps.secret, token);
    if (v.ok) return;
    if (v.reason === 'agent token') throw refusedCredential(deps, req, 'an agent token cannot use the admin API', { status: 403 });
    if (v.reason === 'supervisor token') throw refusedCredential(deps, req, 'a supervisor token cannot use the admin API', { status: 403 });
    throw refusedCredential(deps, req, `admin token ${v.reason}`);
  }

  async function selection(req: IncomingMessage): Promise<Selection> {
    const { body } = await readJsonBody(req, ADMIN_MAX_BODY_BYTES);
    const parsed = Selection.safeParse(body);
    if (!parsed.success)
      throw new HttpError(
        400,
        `body must be {"all": true} or {"ids": ["q-…", …]} (at most ${ADMIN_MAX_IDS} ids, each q- and 32 hex digits)`,
      );
    return parsed.data;
  }

  /** The selected entries, a page at a time, in order of receipt; collects the ids not found. */
  async function* selected(sel: Selection, missing: string[]): AsyncGenerator<QuarantineEntry> {
    if ('ids' in sel) {
      const ids = [...new Set(sel.ids)];
      const found = await store.listQuarantine({ ids, limit: ids.length });
      const have = new Set(found.map((e) => e.id));
      missing.push(...ids.filter((id) => !have.has(id)));
      yield* found;
      return;
    }
    let after = 0;
    while (true) {
      const page = await store.listQuarantine({ after, limit: PAGE });
      if (page.length === 0) return;
      yield* page;
      after = page.at(-1)!.n;
    }
  }

  async function replay(sel: Selection): Promise<ReplayOutcome> {
    const out: ReplayOutcome = { delivered: [], kept: [], missing: [] };
    for await (const entry of selected(sel, out.missing)) {
      let adapted: AdaptResult;
      try {
        adapted = deps.adapt(entry.endpoint, JSON.parse(entry.body));
      } catch {
        adapted = { ok: false, error: 'payload could not be read', reason: 'bad_field' };
      }
      if (!adapted.ok) {
        if (adapted.reason !== entry.reason || adapted.error !== entry.detail)
          await store.updateQuarantine(entry.id, adapted.reason, adapted.error);
        out.kept.push({ id: entry.id, reason: adapted.reason, detail: adapted.error });
        continue;
      }
      // Stored (deduplicated by event id) and forwarded before the entry goes: a failure in
      // between leaves it quarantined, and replaying it again is a duplicate, not a second event.
      const results = await deps.deliver(entry.endpoint, adapted.event);
      await store.dropQuarantine([entry.id]);
      metrics.quarantineReplayed++;
      out.delivered.push({
        id: entry.id,
        endpoint: entry.endpoint,
        eventId: adapted.event.id,
        kind: adapted.event.kind,
        seq: results[0]!.seq,
        duplicate: results.every((r) => r.duplicate),
      });
    }
    logger.info({ delivered: out.delivered.length, kept: out.kept.length, missing: out.missing.length }, 'quarantine replayed');
    return out;
  }

  async function drop(sel: Selection): Promise<{ dropped: number; missing: string[] }> {
    const missing: string[] = [];
    let batch: string[] = [];
    let dropped = 0;
    for await (const entry of selected(sel, missing)) {
      batch.push(entry.id);
      if (batch.length >= PAGE) {
        dropped += await store.dropQuarantine(batch);
        batch = [];
      }
    }
    dropped += await store.dropQuarantine(batch);
    logger.info({ dropped, missing: missing.length }, 'quarantine entries dropped');
    return { dropped, missing };
  }

  async function list(url: URL): Promise<unknown> {
    const after = intParam(url, 'after', 0);
    const limit = Math.min(intParam(url, 'limit', ADMIN_LIST_DEFAULT), ADMIN_LIST_MAX);
    if (limit < 1) throw new HttpError(400, 'limit must be at least 1');
    const entries = await store.listQuarantine({ after, limit });
    return {
      entries: entries.map((e) => ({
        id: e.id,
        n: e.n,
        receivedAt: new Date(e.receivedAt).toISOString(),
        endpoint: e.endpoint,
        reason: e.reason,
        detail: e.detail,
        preview: previewOf(e.body),
      })),
      next: entries.length === limit ? entries.at(-1)!.n : null,
    };
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    // First, so that without a token nothing about the API shows (not even which paths exist).
    authenticate(req);
    const allow = (method: string) => {
      if (req.method !== method) throw new HttpError(405, `use ${method}`);
    };
    switch (url.pathname) {
      case '/admin/quarantine':
        allow('GET');
        return sendJson(res, 200, await list(url));
      case '/admin/quarantine/replay': {
        allow('POST');
        const sel = await selection(req);
        return sendJson(res, 200, await serialized(() => replay(sel)));
      }
      case '/admin/quarantine/drop': {
        allow('POST');
        const sel = await selection(req);
        return sendJson(res, 200, await serialized(() => drop(sel)));
      }
      default:
        throw new HttpError(404, 'not found');
    }
  }

  return async function admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      await route(req, res, url);
    } catch (err) {
      if (!(err instanceof HttpError)) {
        logger.error({ err: (err as Error)?.message, path: url.pathname }, 'admin request failed');
        // A replay stops at the entry it could not store: those before it are delivered, it and the rest stay quarantined.
        if (!res.headersSent)
          sendJson(res, 503, {
            error: 'event store unavailable; entries handled before the failure are done, the rest are unchanged: retry later',
          });
        return;
      }
      sendHttpError(req, res, err);
    }
  };
}
