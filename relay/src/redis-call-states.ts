// Server-side call sync's records (call-state.ts) in Redis, for relay processes sharing it:
//   calls:<agent>   the agent's record (JSON)
//   calls-due       sorted set: agent scored by dueAt (only agents with a pending status change)
//   calls-updated   sorted set: agent scored by when its record was last written (for prune)
// An update reads the record, applies the rules in JS, and writes through a Lua script that
// compares and sets: the write happens only if the record is still the one read, else the update
// reads again. So updates from any process are atomic per agent, a shared connection needs no
// WATCH, and the record and its place in calls-due never disagree. Answered after Redis's fsync
// (appendfsync always), like an append.
import type { Redis } from 'ioredis';
import { type CallState, type CallStateStore, dueAt, readCallState } from './call-state';

export const CALL_STATE_CAS_LUA = `
local p, agent = ARGV[1], ARGV[2]
local key = p .. 'calls:' .. agent
local cur = redis.call('GET', key)
if (cur or '') ~= ARGV[3] then return 0 end
redis.call('SET', key, ARGV[4])
if ARGV[5] == '' then redis.call('ZREM', p .. 'calls-due', agent) else redis.call('ZADD', p .. 'calls-due', ARGV[5], agent) end
redis.call('ZADD', p .. 'calls-updated', ARGV[6], agent)
return 1
`;

/** Deletes one record if it is still old and has nothing pending (an update may have come since it was listed). */
export const CALL_STATE_PRUNE_LUA = `
local p, agent, cutoff = ARGV[1], ARGV[2], tonumber(ARGV[3])
local updated = redis.call('ZSCORE', p .. 'calls-updated', agent)
if not updated or tonumber(updated) >= cutoff or redis.call('ZSCORE', p .. 'calls-due', agent) then return 0 end
redis.call('DEL', p .. 'calls:' .. agent)
redis.call('ZREM', p .. 'calls-updated', agent)
return 1
`;

/** Compare-and-set rounds lost to other processes before an update gives up (each loss means another update landed). */
const MAX_ROUNDS = 100;

interface Scripts {
  sbCallStateCas(prefix: string, agent: string, expected: string, next: string, due: string, now: string): Promise<number>;
  sbCallStatePrune(prefix: string, agent: string, cutoff: string): Promise<number>;
}

export class RedisCallStates implements CallStateStore {
  /** `redis` must have CALL_STATE_CAS_LUA and CALL_STATE_PRUNE_LUA defined as `sbCallStateCas` and `sbCallStatePrune` (RelayRedisStore.open does it). */
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async get(agent: string): Promise<CallState> {
    return readCallState(await this.redis.get(`${this.prefix}calls:${agent}`));
  }

  async update<T>(agent: string, change: (current: CallState) => { next: CallState; result: T }): Promise<T> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const text = (await this.redis.get(`${this.prefix}calls:${agent}`)) ?? '';
      const { next, result } = change(readCallState(text));
      const nextText = JSON.stringify(next);
      if (nextText === text) return result;
      const due = dueAt(next);
      const set = await (this.redis as unknown as Scripts).sbCallStateCas(
        this.prefix,
        agent,
        text,
        nextText,
        due === undefined ? '' : String(due),
        String(Date.now()),
      );
      if (Number(set) === 1) return result;
    }
    throw new Error(`call state of ${agent} kept changing under this update (${MAX_ROUNDS} rounds)`);
  }

  async due(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(`${this.prefix}calls-due`, '-inf', now, 'LIMIT', 0, limit);
  }

  async nextDueAt(): Promise<number | undefined> {
    const [, score] = await this.redis.zrange(`${this.prefix}calls-due`, 0, 0, 'WITHSCORES');
    return score === undefined ? undefined : Number(score);
  }

  async prune(olderThan: Date): Promise<number> {
    const cutoff = olderThan.getTime();
    let removed = 0;
    for (const agent of await this.redis.zrangebyscore(`${this.prefix}calls-updated`, '-inf', `(${cutoff}`))
      removed += Number(await (this.redis as unknown as Scripts).sbCallStatePrune(this.prefix, agent, String(cutoff)));
    return removed;
  }
}
