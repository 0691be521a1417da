// The team lead's endpoints (issue 18): the board's snapshot and its live stream, the reports, and the
// page itself. Every data endpoint takes a supervisor token in the Authorization header (never in a
// URL or a cookie), checked before any work; an agent's or the admin's token is refused with 403
// naming what to use, a missing, bad, expired or revoked one with 401, each a failed attempt for the
// caller's address as on every other route. docs/board.md describes them.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import {
  BOARD_API_PATH,
  BOARD_PAGE_PATH,
  BOARD_STREAM_PATH,
  REPORTS_API_PATH,
  REPORT_SECTIONS,
  ReportQuery,
  type ReportSection,
} from '@switchboard/protocol/board';
import { authenticateSupervisor, bearerToken } from '../auth';
import { type ConnectionGuard, type FailedAttempts, refusedCredential } from '../client-limits';
import { HttpError, sendJson } from '../http';
import type { Logger } from '../logger';
import type { EventStore } from '../store';
import type { BoardState } from './board-state';
import { ReportTally } from './report';
import { reportCsv } from './report-csv';

const HOW_TO_GET_ONE = 'a supervisor token (switchboard-relay token --role supervisor <email>)';

/** The page's files, each with its type: nothing else is served from the folder. */
const PAGE_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};
/** The page loads only its own script and style and talks only to this relay; nothing may frame it. */
export const BOARD_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};
const NOT_BUILT = 'the board page is not built: npm run build -w relay';

/**
 * Where the built page is when RELAY_BOARD_DIR is empty: bundled, this code is dist/cli.js and the
 * page dist/board beside it; run from the sources (src/board/routes.ts), relay/dist/board.
 */
export function defaultBoardDir(): string {
  return import.meta.url.endsWith('.ts') ? resolve(import.meta.dirname, '../../dist/board') : join(import.meta.dirname, 'board');
}

export interface StreamLimits {
  /** Streams open at once with one token (a wall screen and a laptop or two). */
  perToken: number;
  /** Streams open at once on this relay process. */
  total: number;
  /** A `: keep-alive` comment this often (ms), within any proxy's idle timeout; revocation and expiry are checked then too. */
  keepAliveMs: number;
  /** Unsent bytes above which a stream is ended (its reader reconnects and starts from a new snapshot). */
  maxBufferedBytes: number;
}

const DEFAULT_STREAM_LIMITS: StreamLimits = { perToken: 4, total: 100, keepAliveMs: 25_000, maxBufferedBytes: 1024 * 1024 };
/** Reports computed or waiting at once in this process; a report over a month reads every event of it. */
const MAX_REPORTS_IN_FLIGHT = 4;

interface BoardRouteDeps extends FailedAttempts {
  secret: string;
  store: EventStore;
  board: BoardState;
  logger: Logger;
  /** The built page's folder (RELAY_BOARD_DIR, else defaultBoardDir()). */
  boardDir: string;
  /** Lets a board stream's connection stop counting as unauthenticated (client-limits.ts). */
  guard?: ConnectionGuard;
  streamLimits?: Partial<StreamLimits>;
  now?: () => number;
}

export interface BoardRoutes {
  /** Handles the request when its path is one of the board's; undefined otherwise. */
  route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> | undefined;
  /** Ends every open stream (shutdown). */
  close(): void;
  /** Streams open now (/metrics: relay_board_streams). */
  readonly streamCount: number;
}

/** A query's first problem, in words: which parameter and what it must be. */
function queryProblem(params: Record<string, string>, issue: { path: PropertyKey[]; message: string } | undefined): string {
  const name = String(issue?.path[0] ?? 'query');
  if (params[name] === undefined) return `${name} is required (from=YYYY-MM-DD&to=YYYY-MM-DD&tz=Europe/Berlin)`;
  if (name === 'format') return 'format is json or csv';
  if (name === 'section') return `section is ${REPORT_SECTIONS.slice(0, -1).join(', ')} or ${REPORT_SECTIONS.at(-1)}`;
  return `${name}: ${issue?.message ?? 'is invalid'}`;
}

export function createBoardRoutes(deps: BoardRouteDeps): BoardRoutes {
  const { store, board, logger } = deps;
  const limits = { ...DEFAULT_STREAM_LIMITS, ...deps.streamLimits };
  const now = deps.now ?? Date.now;
  const streamsByToken = new Map<string, number>();
  const streams = new Set<() => void>();
  let reportsInFlight = 0;

  async function authenticate(req: IncomingMessage): Promise<{ jti: string; exp?: number }> {
    const token = bearerToken(req.headers);
    if (!token) throw refusedCredential(deps, req, `missing supervisor token (Authorization: Bearer <token>): use ${HOW_TO_GET_ONE}`);
    let auth: Awaited<ReturnType<typeof authenticateSupervisor>>;
    try {
      auth = await authenticateSupervisor(deps.secret, token, (jti) => store.isRevoked(jti));
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'board: the revocation list cannot be read');
      throw new HttpError(503, 'event store unavailable, retry later', 'store_unavailable');
    }
    if (auth.ok) return auth;
    if (auth.reason === 'agent token')
      throw refusedCredential(deps, req, `an agent token cannot read the team's board or reports: use ${HOW_TO_GET_ONE}`, { status: 403 });
    if (auth.reason === 'admin token')
      throw refusedCredential(deps, req, `an admin token cannot read the team's board or reports: use ${HOW_TO_GET_ONE}`, { status: 403 });
    throw refusedCredential(deps, req, `supervisor token ${auth.reason}`);
  }

  const onlyGet = (req: IncomingMessage) => {
    if (req.method !== 'GET') throw new HttpError(405, 'use GET');
  };

  async function snapshot(req: IncomingMessage, res: ServerResponse): Promise<void> {
    onlyGet(req);
    await authenticate(req);
    await board.ready;
    sendJson(res, 200, board.snapshot());
  }

  async function stream(req: IncomingMessage, res: ServerResponse): Promise<void> {
    onlyGet(req);
    const { jti, exp } = await authenticate(req);
    const mine = streamsByToken.get(jti) ?? 0;
    if (mine >= limits.perToken)
      throw new HttpError(429, `at most ${limits.perToken} board streams at once per token: close a board open elsewhere`, 'rate_limited', {
        'retry-after': '30',
      });
    if (streams.size >= limits.total)
      throw new HttpError(429, 'too many board streams on this relay, retry later', 'rate_limited', { 'retry-after': '30' });
    await board.ready;
    if (req.socket.destroyed) return;

    let ended = false;
    let unsubscribe: (() => void) | undefined;
    let keepAlive: NodeJS.Timeout | undefined;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(keepAlive);
      unsubscribe?.();
      streams.delete(end);
      const left = (streamsByToken.get(jti) ?? 1) - 1;
      if (left > 0) streamsByToken.set(jti, left);
      else streamsByToken.delete(jti);
      if (!res.writableEnded) res.end();
    };
    streams.add(end);
    streamsByToken.set(jti, mine + 1);
    // Every path out of a stream ends it once: the reader leaving, a reset, a write failing.
    res.on('close', end);
    res.on('error', (err) => {
      logger.debug({ err: err.message }, 'board stream error');
      end();
    });
    req.on('error', () => end());
    req.socket.on('error', () => end());
    // Capped per token and in total: the connection no longer counts against the unauthenticated caps.
    deps.guard?.authenticated(req.socket);

    const write = (text: string) => {
      if (ended) return;
      res.write(text);
      // A reader that does not read: end it rather than buffer for it; it reconnects to a new snapshot.
      if (res.writableLength > limits.maxBufferedBytes) {
        logger.info({ jti }, 'board stream ended: its reader is not keeping up');
        end();
      }
    };
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // nginx would otherwise buffer the stream (deploy/ proxies it).
      'x-accel-buffering': 'no',
      // Once the stream ends the connection goes with it (it no longer counts as unauthenticated).
      connection: 'close',
    });
    write(`event: snapshot\ndata: ${JSON.stringify(board.snapshot())}\n\n`);
    unsubscribe = board.subscribe((_, json) => write(`event: agent\ndata: ${json}\n\n`));
    keepAlive = setInterval(() => {
      write(': keep-alive\n\n');
      if (exp !== undefined && exp * 1000 <= now()) return end();
      store.isRevoked(jti).then(
        (revoked) => {
          if (revoked) end();
        },
        () => undefined, // store trouble is /healthz's to report; the stream goes on
      );
    }, limits.keepAliveMs);
    keepAlive.unref();
  }

  async function reports(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    onlyGet(req);
    await authenticate(req);
    const params = Object.fromEntries(url.searchParams);
    const parsed = ReportQuery.safeParse(params);
    if (!parsed.success) throw new HttpError(400, queryProblem(params, parsed.error.issues[0]));
    const query = parsed.data;
    let tally: ReportTally;
    try {
      tally = new ReportTally(query);
    } catch (err) {
      if (err instanceof RangeError) throw new HttpError(400, err.message);
      throw err;
    }
    const source = store.reportSource;
    if (!source) throw new HttpError(503, 'this relay keeps no report rows (its store has none)');
    if (reportsInFlight >= MAX_REPORTS_IN_FLIGHT)
      throw new HttpError(429, 'several reports are being computed, retry in a moment', 'rate_limited', { 'retry-after': '5' });
    reportsInFlight++;
    try {
      try {
        await source.feed(tally.range, tally);
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'report: reading the store failed');
        throw new HttpError(503, 'event store unavailable, retry later', 'store_unavailable');
      }
      const report = tally.report({ now: now(), retentionDays: board.retentionDays });
      if (query.format !== 'csv') return sendJson(res, 200, report);
      const section: ReportSection = query.section ?? 'agents';
      const csv = reportCsv(report, section);
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-length': Buffer.byteLength(csv),
        'content-disposition': `attachment; filename="switchboard-${section}-${query.from}-${query.to}.csv"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      res.end(csv);
    } finally {
      reportsInFlight--;
    }
  }

  async function page(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET');
    let body: Buffer;
    try {
      body = await readFile(join(deps.boardDir, name));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return sendJson(res, 503, { error: NOT_BUILT }, BOARD_PAGE_HEADERS);
      throw err;
    }
    res.writeHead(200, { 'content-type': PAGE_FILES[name]!, 'content-length': body.length, ...BOARD_PAGE_HEADERS });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  return {
    route(req, res, url) {
      const path = url.pathname;
      if (path === BOARD_API_PATH) return snapshot(req, res);
      if (path === BOARD_STREAM_PATH) return stream(req, res);
      if (path === REPORTS_API_PATH) return reports(req, res, url);
      // The page names its script and style by absolute path (/board/app.js): /board and /board/ both serve it.
      if (path === BOARD_PAGE_PATH) return page(req, res, 'index.html');
      if (!path.startsWith(`${BOARD_PAGE_PATH}/`)) return;
      const name = path.slice(BOARD_PAGE_PATH.length + 1) || 'index.html';
      if (!Object.hasOwn(PAGE_FILES, name)) return Promise.reject(new HttpError(404, 'not found'));
      return page(req, res, name);
    },
    close() {
      for (const end of [...streams]) end();
    },
    get streamCount() {
      return streams.size;
    },
  };
}
