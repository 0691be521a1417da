// The phone outbox in Redis, for relays sharing one Redis (RELAY_REDIS_URL): no relay process keeps
// a notice on its own disk, and whichever process is up sends it.
//
// Layout (under the event store's prefix, default "sb:"):
//   po:n:<id>      hash: agent, body, status (pending | delivered | dropped), attempts, created,
//                  next (due at), claim, until (the claim's lease), updated, err
//   po:q:<agent>   list: the agent's pending notice ids, oldest first; only the first is ever sent
//   po:due         sorted set: agent -> when its first notice may be claimed (its retry time, or
//                  its lease's end while claimed); an agent is there exactly while its list is not empty
//   po:pending     set of pending ids (pendingCount)
//   po:done        sorted set: done id -> finished at (ms), so prune can forget them
//
// Each operation is one Lua script, so two processes never claim one notice: a claim moves the
// agent's due time to the lease's end in the same step. Redis answers a script after its fsync
// (appendonly yes + appendfsync always), so add() resolving means the notices are on disk.
import type { PhoneChatNotice } from '@switchboard/protocol/phone';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ClaimedNotice, PhoneOutboxStore } from './phone-outbox-store';
import { connectRedis, type RedisStoreOptions } from './redis-store';

const ADD_LUA = `
local p, now = ARGV[1], ARGV[2]
local i = 3
while i <= #ARGV do
  local id, agent, body = ARGV[i], ARGV[i+1], ARGV[i+2]
  local key = p .. 'po:n:' .. id
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'agent', agent, 'body', body, 'status', 'pending', 'attempts', 0, 'created', now, 'next', now)
    redis.call('SADD', p .. 'po:pending', id)
    if redis.call('RPUSH', p .. 'po:q:' .. agent, id) == 1 then redis.call('ZADD', p .. 'po:due', now, agent) end
  end
  i = i + 3
end
return 0
`;

const CLAIM_LUA = `
local p, now, lease, limit, owner = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
local out = {}
for _, agent in ipairs(redis.call('ZRANGEBYSCORE', p .. 'po:due', '-inf', now, 'LIMIT', 0, limit)) do
  local id = redis.call('LINDEX', p .. 'po:q:' .. agent, 0)
  if not id then
    redis.call('ZREM', p .. 'po:due', agent)
  else
    local key = p .. 'po:n:' .. id
    local claim = owner .. '.' .. redis.call('HINCRBY', key, 'claims', 1)
    redis.call('HSET', key, 'claim', claim, 'until', now + lease)
    redis.call('ZADD', p .. 'po:due', now + lease, agent)
    local f = redis.call('HMGET', key, 'body', 'attempts', 'created')
    table.insert(out, id)
    table.insert(out, agent)
    table.insert(out, f[1])
    table.insert(out, f[2])
    table.insert(out, f[3])
    table.insert(out, claim)
  end
end
return out
`;

// ARGV: prefix, id, claim, outcome (delivered | dropped | retry | release), now, nextAt, error.
const FINISH_LUA = `
local p, id, claim, outcome, now, nextAt, err = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local key = p .. 'po:n:' .. id
if redis.call('HGET', key, 'status') ~= 'pending' then return 0 end
if outcome ~= 'delivered' and redis.call('HGET', key, 'claim') ~= claim then return 0 end
local agent = redis.call('HGET', key, 'agent')
local due = p .. 'po:due'
if outcome == 'release' then
  redis.call('HSET', key, 'claim', '', 'until', 0)
  redis.call('ZADD', due, now, agent)
  return 1
end
redis.call('HINCRBY', key, 'attempts', 1)
if outcome == 'retry' then
  redis.call('HSET', key, 'next', nextAt, 'updated', now, 'err', err, 'claim', '', 'until', 0)
  redis.call('ZADD', due, nextAt, agent)
  return 1
end
redis.call('HSET', key, 'status', outcome, 'updated', now, 'err', err, 'claim', '', 'until', 0)
redis.call('HDEL', key, 'body')
redis.call('SREM', p .. 'po:pending', id)
redis.call('ZADD', p .. 'po:done', now, id)
local q = p .. 'po:q:' .. agent
redis.call('LREM', q, 1, id)
local head = redis.call('LINDEX', q, 0)
if head then
  redis.call('ZADD', due, math.max(tonumber(now), tonumber(redis.call('HGET', p .. 'po:n:' .. head, 'next'))), agent)
else
  redis.call('ZREM', due, agent)
end
return 1
`;

const PRUNE_LUA = `
local p, before = ARGV[1], ARGV[2]
local ids = redis.call('ZRANGEBYSCORE', p .. 'po:done', '-inf', '(' .. before, 'LIMIT', 0, 500)
for _, id in ipairs(ids) do redis.call('DEL', p .. 'po:n:' .. id) end
if #ids > 0 then redis.call('ZREM', p .. 'po:done', unpack(ids)) end
return #ids
`;

interface Scripts {
  sbOutboxAdd(...args: string[]): Promise<number>;
  sbOutboxClaim(...args: string[]): Promise<string[]>;
  sbOutboxFinish(...args: string[]): Promise<number>;
  sbOutboxPrune(prefix: string, before: string): Promise<number>;
}

export class RedisPhoneOutboxStore implements PhoneOutboxStore {
  readonly shared = true;
  private readonly owner = randomBytes(6).toString('base64url');

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Connects (fails when Redis is not reachable), as the event store does. */
  static async open(url: string, opts: RedisStoreOptions = {}): Promise<RedisPhoneOutboxStore> {
    const redis = await connectRedis(url, opts);
    redis.defineCommand('sbOutboxAdd', { numberOfKeys: 0, lua: ADD_LUA });
    redis.defineCommand('sbOutboxClaim', { numberOfKeys: 0, lua: CLAIM_LUA });
    redis.defineCommand('sbOutboxFinish', { numberOfKeys: 0, lua: FINISH_LUA });
    redis.defineCommand('sbOutboxPrune', { numberOfKeys: 0, lua: PRUNE_LUA });
    return new RedisPhoneOutboxStore(redis, opts.prefix ?? 'sb:');
  }

  private get scripts(): Scripts {
    return this.redis as unknown as Scripts;
  }

  async add(notices: readonly PhoneChatNotice[], now: number): Promise<void> {
    if (notices.length === 0) return;
    const args = [this.prefix, String(now)];
    for (const n of notices) args.push(n.id, n.agent, JSON.stringify(n));
    await this.scripts.sbOutboxAdd(...args);
  }

  async claim(now: number, leaseMs: number, limit: number): Promise<ClaimedNotice[]> {
    const out = await this.scripts.sbOutboxClaim(this.prefix, String(now), String(leaseMs), String(limit), this.owner);
    const claimed: ClaimedNotice[] = [];
    for (let i = 0; i < out.length; i += 6)
      claimed.push({
        id: out[i]!,
        agent: out[i + 1]!,
        body: out[i + 2]!,
        attempts: Number(out[i + 3]),
        createdAt: Number(out[i + 4]),
        claim: out[i + 5]!,
        until: now + leaseMs,
      });
    return claimed;
  }

  private async finish(notice: ClaimedNotice, outcome: string, now: number, nextAt = 0, error = ''): Promise<boolean> {
    const done = await this.scripts.sbOutboxFinish(this.prefix, notice.id, notice.claim, outcome, String(now), String(nextAt), error);
    return Number(done) === 1;
  }

  delivered(notice: ClaimedNotice, now: number): Promise<boolean> {
    return this.finish(notice, 'delivered', now);
  }

  retry(notice: ClaimedNotice, nextAt: number, error: string, now: number): Promise<boolean> {
    return this.finish(notice, 'retry', now, nextAt, error);
  }

  dropped(notice: ClaimedNotice, error: string, now: number): Promise<boolean> {
    return this.finish(notice, 'dropped', now, 0, error);
  }

  release(notice: ClaimedNotice, now: number): Promise<boolean> {
    return this.finish(notice, 'release', now);
  }

  async nextDue(): Promise<number | undefined> {
    const first = await this.redis.zrange(`${this.prefix}po:due`, 0, 0, 'WITHSCORES');
    return first.length ? Number(first[1]) : undefined;
  }

  pendingCount(): Promise<number> {
    return this.redis.scard(`${this.prefix}po:pending`);
  }

  async prune(doneBefore: number): Promise<number> {
    let removed = 0;
    while (true) {
      const n = Number(await this.scripts.sbOutboxPrune(this.prefix, String(doneBefore)));
      removed += n;
      if (n < 500) return removed;
    }
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
