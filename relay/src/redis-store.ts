// Redis EventStore, for several relay processes behind a load balancer sharing one Redis.
//
// Layout (all keys under `prefix`, default "sb:"):
//   seq                 INCR counter: the global sequence (never reused, also after pruning)
//   generation          random id of this log (SET NX once)
//   ev:<agent>          a stream per agent; entry id `<seq>-0`, fields id/kind/at/data/t
//   dd:<n>:<agent>:<id> dedupe key -> seq; n = the agent's length in bytes, so an agent or id
//                       holding ':' cannot make two events share a key (see dedupeKey)
//   id:<agent>:<id>     the same, as relays before it wrote it: ambiguous ("a:b"+"c" = "a"+"b:c"),
//                       so it is trusted only when the stream entry at its seq has that id; such
//                       keys go as retention prunes their events (no migration step needed)
//   agents              set of agents with a stream (for pruning)
//   revoked             set of revoked token ids
//   quarantine          hash: quarantine id -> JSON {id, endpoint, receivedAt, body} (see QuarantineEntry)
//   quarantine:why      hash: quarantine id -> JSON {reason, detail} (rewritten by a replay)
//   quarantine:order    sorted set: quarantine id scored by its order of receipt
//   quarantine:n        INCR counter for that order
//   channel <prefix>events   pub/sub fan-out: {seq, prev, agent, id, kind, at, data}
//   calls:<agent>, calls-due, calls-updated  server-side call sync's records (redis-call-states.ts)
//   presence:<process id>, channel <prefix>presence  the board's agents connected to any process (redis-presence.ts)
//
// One Lua script does dedupe + INCR + XADD + PUBLISH atomically, so per agent the stream order,
// the seq order and the publish order are the same, and a reply means Redis executed the write.
// With `appendonly yes` + `appendfsync always` Redis replies only after the fsync, so a 200 is
// never sent for an event that is not on disk (with `everysec`, a Redis crash may lose ≤ 1 s).
//
// Fan-out: every process subscribes to the channel and hands each event to its hub; `prev` (the
// agent's previous seq) lets the hub notice a missed message and re-read from the stream. When the
// subscription reconnects (Redis restarted), `onResync` listeners re-read for every socket.
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { CALL_STATE_CAS_LUA, CALL_STATE_PRUNE_LUA, RedisCallStates } from './redis-call-states';
import { type PresenceTiming, RedisPresence } from './redis-presence';
import { RedisReportSource } from './redis-report-source';
import type {
  AppendResult,
  EventStore,
  FanOutListener,
  NewEvent,
  NewQuarantineEntry,
  QuarantineEntry,
  SharedPresence,
  StoredEvent,
} from './store';

const APPEND_LUA = `
local p = ARGV[1]
local now = ARGV[2]
local out = {}
local i = 3
while i <= #ARGV do
  local agent, id, kind, at, data = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4]
  local dkey = p .. 'dd:' .. #agent .. ':' .. agent .. ':' .. id
  local skey = p .. 'ev:' .. agent
  local prior = redis.call('GET', dkey)
  if not prior then
    local legacy = redis.call('GET', p .. 'id:' .. agent .. ':' .. id)
    if legacy then
      local entry = redis.call('XRANGE', skey, legacy .. '-0', legacy .. '-0')
      if #entry > 0 and entry[1][2][1] == 'id' and entry[1][2][2] == id then prior = legacy end
    end
  end
  if prior then
    table.insert(out, tonumber(prior))
    table.insert(out, 1)
  else
    local last = redis.call('XREVRANGE', skey, '+', '-', 'COUNT', 1)
    local prev = 0
    if #last > 0 then prev = tonumber(string.match(last[1][1], '^(%d+)')) end
    local seq = redis.call('INCR', p .. 'seq')
    redis.call('XADD', skey, seq .. '-0', 'id', id, 'kind', kind, 'at', at, 'data', data, 't', now)
    redis.call('SET', dkey, seq)
    redis.call('SADD', p .. 'agents', agent)
    redis.call('PUBLISH', p .. 'events', cjson.encode({seq = seq, prev = prev, agent = agent, id = id, kind = kind, at = at, data = data}))
    table.insert(out, seq)
    table.insert(out, 0)
  end
  i = i + 5
end
return out
`;

// One script, so an entry is never half there (in the hash, not in the order) and a redelivery is
// recognised even when two relay processes receive it at once.
const QUARANTINE_LUA = `
local p, id = ARGV[1], ARGV[2]
if redis.call('HEXISTS', p .. 'quarantine', id) == 1 then return 1 end
local n = redis.call('INCR', p .. 'quarantine:n')
redis.call('HSET', p .. 'quarantine', id, ARGV[3])
redis.call('HSET', p .. 'quarantine:why', id, ARGV[4])
redis.call('ZADD', p .. 'quarantine:order', n, id)
return 0
`;
// Only an entry still there: a replay racing a drop must not bring a dropped one half back.
const QUARANTINE_UPDATE_LUA = `
if redis.call('HEXISTS', ARGV[1] .. 'quarantine', ARGV[2]) == 1 then redis.call('HSET', ARGV[1] .. 'quarantine:why', ARGV[2], ARGV[3]) end
return 0
`;

export interface RedisStoreOptions {
  /** Key prefix, so several relays (or tests) can share one Redis. Default "sb:". */
  prefix?: string;
  /** Per-command timeout; an append that Redis did not answer in time fails (→ 503, SnapEngage retries). */
  commandTimeoutMs?: number;
  /** Called with connection trouble (logged by the relay). */
  onError?: (err: Error) => void;
}

/**
 * Redis's append-only settings, or why it would not say: managed services rename or disable CONFIG,
 * and an ACL may forbid it (the reply's first words: ERR unknown command, NOPERM).
 */
export async function redisDurability(redis: Redis): Promise<{ appendonly: string; appendfsync: string } | { refused: string }> {
  try {
    const [, appendonly = '?'] = (await redis.config('GET', 'appendonly')) as string[];
    const [, appendfsync = '?'] = (await redis.config('GET', 'appendfsync')) as string[];
    return { appendonly, appendfsync };
  } catch (err) {
    const message = (err as Error).message;
    if (/^(ERR unknown command|NOPERM|ERR.*disabled)/i.test(message)) return { refused: message.split(/[,.]/)[0]! };
    throw err;
  }
}

/** A connection as the relay's Redis stores use it; resolves once connected, rejects when Redis cannot be reached. */
export async function connectRedis(url: string, opts: RedisStoreOptions): Promise<Redis> {
  const redis = new Redis(url, {
    // Fail fast while Redis is away instead of queueing webhooks in memory: the caller answers 503.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: opts.commandTimeoutMs ?? 5000,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(50 * times, 1000),
    lazyConnect: true,
  });
  // ioredis rejects connect() with "Connection is closed."; the error event before it says why.
  let cause: Error | undefined;
  redis.on('error', (err: Error) => {
    cause = err;
    opts.onError?.(err);
  });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw cause ?? err;
  }
  return redis;
}

/** The dedupe key of (agent, id), as APPEND_LUA builds it (Lua's # counts bytes). */
export function dedupeKey(prefix: string, agent: string, id: string): string {
  return `${prefix}dd:${Buffer.byteLength(agent, 'utf8')}:${agent}:${id}`;
}

interface Scripts {
  sbQuarantine(prefix: string, id: string, entry: string, why: string): Promise<number>;
  sbQuarantineUpdate(prefix: string, id: string, why: string): Promise<number>;
}

export class RelayRedisStore implements EventStore {
  readonly callStates: RedisCallStates;
  readonly reportSource: RedisReportSource;
  private closed = false;
  private readonly eventListeners = new Set<FanOutListener>();
  private readonly resyncListeners = new Set<() => void>();
  private sub?: Redis;

  private constructor(
    private readonly redis: Redis,
    readonly generation: string,
    private readonly prefix: string,
    private readonly opts: RedisStoreOptions,
  ) {
    this.callStates = new RedisCallStates(redis, prefix);
    this.reportSource = new RedisReportSource(redis, prefix);
  }

  /** Connects (fails if Redis is not reachable within the timeout) and reads or creates the generation. */
  static async open(url: string, opts: RedisStoreOptions = {}): Promise<RelayRedisStore> {
    const prefix = opts.prefix ?? 'sb:';
    const redis = await connectRedis(url, opts);
    await redis.set(`${prefix}generation`, randomBytes(12).toString('base64url'), 'NX');
    const generation = (await redis.get(`${prefix}generation`))!;
    redis.defineCommand('sbAppend', { numberOfKeys: 0, lua: APPEND_LUA });
    redis.defineCommand('sbQuarantine', { numberOfKeys: 0, lua: QUARANTINE_LUA });
    redis.defineCommand('sbQuarantineUpdate', { numberOfKeys: 0, lua: QUARANTINE_UPDATE_LUA });
    redis.defineCommand('sbCallStateCas', { numberOfKeys: 0, lua: CALL_STATE_CAS_LUA });
    redis.defineCommand('sbCallStatePrune', { numberOfKeys: 0, lua: CALL_STATE_PRUNE_LUA });
    return new RelayRedisStore(redis, generation, prefix, opts);
  }

  /** A warning unless Redis persists every write before answering (appendonly yes + appendfsync always). */
  async durabilityWarning(): Promise<{ message: string; details: Record<string, string> } | undefined> {
    const d = await redisDurability(this.redis);
    if ('refused' in d)
      return {
        details: { config: d.refused },
        message:
          'cannot check that redis fsyncs every write: CONFIG GET is refused (renamed, disabled or not allowed); make sure it runs with appendonly yes + appendfsync always',
      };
    if (d.appendonly === 'yes' && d.appendfsync === 'always') return undefined;
    return {
      details: { appendonly: d.appendonly, appendfsync: d.appendfsync },
      message: 'redis does not fsync every write (appendonly yes + appendfsync always): a Redis crash can lose events already answered 200',
    };
  }

  async append(events: NewEvent[], onCommitted?: (results: AppendResult[]) => void): Promise<AppendResult[]> {
    if (this.closed) throw new Error('store is closed');
    if (events.length === 0) return [];
    const args: string[] = [this.prefix, String(Date.now())];
    for (const e of events) args.push(e.agent, e.id, e.kind, e.at, e.dataJson ?? JSON.stringify(e.data));
    const out = (await (this.redis as unknown as { sbAppend(...a: string[]): Promise<number[]> }).sbAppend(...args)) as number[];
    const results: AppendResult[] = [];
    for (let i = 0; i < out.length; i += 2) results.push({ seq: Number(out[i]), duplicate: out[i + 1] === 1 });
    // Redis answers after its own fsync (appendfsync always): committed and durable at once.
    // The events are stored whatever the callback does (EventStore.append).
    try {
      onCommitted?.(results);
    } catch {
      // the caller's trouble; the append itself stands
    }
    return results;
  }

  async readAfter(agent: string, after: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.redis.xrange(`${this.prefix}ev:${agent}`, `(${after}-0`, '+', 'COUNT', limit);
    return rows.map(([id, fields]) => toStoredEvent(agent, id, fields));
  }

  async latest(agent: string): Promise<number> {
    const rows = await this.redis.xrevrange(`${this.prefix}ev:${agent}`, '+', '-', 'COUNT', 1);
    return rows.length ? Number(rows[0]![0].split('-')[0]) : 0;
  }

  async prune(olderThan: Date): Promise<number> {
    const cutoff = olderThan.getTime();
    let removed = 0;
    for (const agent of await this.redis.smembers(`${this.prefix}agents`)) {
      const key = `${this.prefix}ev:${agent}`;
      while (true) {
        const rows = await this.redis.xrange(key, '-', '+', 'COUNT', 500);
        const old = rows.filter(([, fields]) => Number(fields[9]) < cutoff);
        if (old.length === 0) break;
        // Fields are written in a fixed order: id, kind, at, data, t.
        const multi = this.redis.multi();
        multi.xdel(key, ...old.map(([id]) => id));
        for (const [, fields] of old) multi.del(dedupeKey(this.prefix, agent, fields[1]!), `${this.prefix}id:${agent}:${fields[1]}`);
        await multi.exec();
        removed += old.length;
        if (old.length < rows.length) break;
      }
    }
    return removed;
  }

  async quarantine(entry: NewQuarantineEntry): Promise<{ duplicate: boolean }> {
    if (this.closed) throw new Error('store is closed');
    const { id, endpoint, receivedAt, body, reason, detail } = entry;
    // Answered after Redis's fsync (appendfsync always), like an append.
    const dup = await (this.redis as unknown as Scripts).sbQuarantine(
      this.prefix,
      id,
      JSON.stringify({ id, endpoint, receivedAt, body }),
      JSON.stringify({ reason, detail }),
    );
    return { duplicate: Number(dup) === 1 };
  }

  async listQuarantine(query: { after?: number; limit: number; ids?: readonly string[] }): Promise<QuarantineEntry[]> {
    const order = `${this.prefix}quarantine:order`;
    let ranked: [string, number][];
    if (query.ids) {
      if (query.ids.length === 0) return [];
      const scores = await this.redis.zmscore(order, ...query.ids);
      ranked = query.ids
        .flatMap((id, i) => (scores[i] === null ? [] : [[id, Number(scores[i])] as [string, number]]))
        .sort((a, b) => a[1] - b[1]);
    } else {
      const flat = await this.redis.zrangebyscore(order, `(${query.after ?? 0}`, '+inf', 'WITHSCORES', 'LIMIT', 0, query.limit);
      ranked = [];
      for (let i = 0; i < flat.length; i += 2) ranked.push([flat[i]!, Number(flat[i + 1])]);
    }
    if (ranked.length === 0) return [];
    const ids = ranked.map(([id]) => id);
    const [entries, whys] = await Promise.all([
      this.redis.hmget(`${this.prefix}quarantine`, ...ids),
      this.redis.hmget(`${this.prefix}quarantine:why`, ...ids),
    ]);
    return ranked.flatMap(([id, n], i) => {
      // Dropped between the two reads.
      if (!entries[i] || !whys[i]) return [];
      const e = JSON.parse(entries[i]!) as Omit<QuarantineEntry, 'n' | 'reason' | 'detail'>;
      const w = JSON.parse(whys[i]!) as { reason: string; detail: string };
      return [{ n, id, endpoint: e.endpoint, receivedAt: e.receivedAt, reason: w.reason, detail: w.detail, body: e.body }];
    });
  }

  async updateQuarantine(id: string, reason: string, detail: string): Promise<void> {
    await (this.redis as unknown as Scripts).sbQuarantineUpdate(this.prefix, id, JSON.stringify({ reason, detail }));
  }

  async dropQuarantine(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const out = await this.redis
      .multi()
      .hdel(`${this.prefix}quarantine`, ...ids)
      .hdel(`${this.prefix}quarantine:why`, ...ids)
      .zrem(`${this.prefix}quarantine:order`, ...ids)
      .exec();
    const [err, removed] = out?.[0] ?? [new Error('quarantine drop was not executed')];
    if (err) throw err;
    return Number(removed);
  }

  /** Entries are received in order, so the old ones come first: stops at the first young one. */
  async pruneQuarantine(olderThan: Date): Promise<number> {
    const cutoff = olderThan.getTime();
    let removed = 0;
    while (true) {
      const page = await this.listQuarantine({ after: 0, limit: 200 });
      const old = page.filter((e) => e.receivedAt < cutoff);
      if (old.length) removed += await this.dropQuarantine(old.map((e) => e.id));
      if (old.length < page.length || page.length === 0) return removed;
    }
  }

  async revokeToken(jti: string): Promise<void> {
    await this.redis.sadd(`${this.prefix}revoked`, jti);
  }

  async isRevoked(jti: string): Promise<boolean> {
    return (await this.redis.sismember(`${this.prefix}revoked`, jti)) === 1;
  }

  async healthy(): Promise<boolean> {
    if (this.closed || this.redis.status !== 'ready') return false;
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /**
   * Cross-process fan-out (EventStore.fanOut) through the `<prefix>events` channel that APPEND_LUA
   * publishes to; `onResync` runs when the subscription came back after a break.
   */
  async fanOut(listener: FanOutListener, onResync: () => void): Promise<void> {
    this.eventListeners.add(listener);
    this.resyncListeners.add(onResync);
    if (this.sub) return;
    const sub = this.redis.duplicate({
      enableOfflineQueue: true,
      commandTimeout: undefined,
      lazyConnect: true,
      maxRetriesPerRequest: null,
    });
    this.sub = sub;
    sub.on('error', (err: Error) => this.opts.onError?.(err));
    let readyBefore = false;
    sub.on('ready', () => {
      if (readyBefore) for (const l of this.resyncListeners) l();
      readyBefore = true;
    });
    sub.on('message', (_channel: string, text: string) => {
      let m: { seq: number; prev: number; agent: string; id: string; kind: string; at: string; data: string };
      try {
        m = JSON.parse(text) as typeof m;
      } catch {
        return;
      }
      const event: StoredEvent = {
        seq: m.seq,
        agent: m.agent,
        id: m.id,
        kind: m.kind,
        at: m.at,
        data: JSON.parse(m.data) as Record<string, unknown>,
      };
      for (const l of this.eventListeners) l(event, m.prev);
    });
    await sub.connect();
    await sub.subscribe(`${this.prefix}events`);
  }

  /** Presence shared by every relay process on this Redis (redis-presence.ts), on a subscription of its own. */
  async sharePresence(onChange: (agent: string, connected: boolean) => void, timing?: Partial<PresenceTiming>): Promise<SharedPresence> {
    const sub = this.redis.duplicate({
      enableOfflineQueue: true,
      commandTimeout: undefined,
      lazyConnect: true,
      maxRetriesPerRequest: null,
    });
    sub.on('error', (err: Error) => this.opts.onError?.(err));
    const presence = new RedisPresence(this.redis, sub, this.prefix, onChange, (err) => this.opts.onError?.(err), timing);
    await presence.start();
    return presence;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sub?.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** A stream entry (id `seq-0`, fields as a flat name/value list) as a stored event. */
function toStoredEvent(agent: string, id: string, fields: string[]): StoredEvent {
  const f: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  return {
    seq: Number(id.split('-')[0]),
    id: f.id!,
    agent,
    kind: f.kind!,
    at: f.at!,
    data: JSON.parse(f.data!) as Record<string, unknown>,
  };
}
