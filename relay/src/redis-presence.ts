// Which agents hold a websocket to any of the relay processes sharing one Redis: the board's
// `connected`, whichever process the supervisor's board reads from and whichever the agent's
// extension reached through the load balancer.
//
// Each process keeps a hash `<prefix>presence:<process id>` (agent → 1, and `_v`, a version counted
// up with each change), expiring unless rewritten every heartbeat, so a process that dies without a
// word drops out by itself; each change is also published on `<prefix>presence` at once, in the same
// transaction as the write. A reader applies a message or a hash only when its version is newer than
// what it holds of that process, so a heartbeat's read that crosses a message cannot undo it.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface PresenceTiming {
  /** How often each process rewrites its hash and reads the others' (ms). */
  heartbeatMs: number;
  /** How long a hash lives without a rewrite: a process silent this long is gone (ms). */
  ttlMs: number;
}

const DEFAULT_TIMING: PresenceTiming = { heartbeatMs: 15_000, ttlMs: 45_000 };
const VERSION = '_v';

interface Remote {
  v: number;
  agents: Set<string>;
  /** When this process last heard of it (ms, performance.now). */
  seen: number;
}

/** The board's side: `set` for this process's sockets, `onChange` for the team's. */
export class RedisPresence {
  private readonly id = randomBytes(9).toString('base64url');
  private readonly local = new Set<string>();
  private readonly remote = new Map<string, Remote>();
  private v = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly timing: PresenceTiming;

  constructor(
    private readonly redis: Redis,
    private readonly sub: Redis,
    private readonly prefix: string,
    private readonly onChange: (agent: string, connected: boolean) => void,
    private readonly onError: (err: Error) => void,
    timing: Partial<PresenceTiming> = {},
  ) {
    this.timing = { ...DEFAULT_TIMING, ...timing };
  }

  private get key(): string {
    return `${this.prefix}presence:${this.id}`;
  }

  private get channel(): string {
    return `${this.prefix}presence`;
  }

  async start(): Promise<void> {
    this.sub.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.onMessage(text);
    });
    // After a break the messages missed are made up for by the next heartbeat's read; at once, too.
    this.sub.on('ready', () => void this.heartbeat());
    await this.sub.connect();
    await this.sub.subscribe(this.channel);
    await this.heartbeat();
    this.timer = setInterval(() => void this.heartbeat(), this.timing.heartbeatMs);
    this.timer.unref();
  }

  /** Whether the agent holds a socket to any process. */
  connected(agent: string): boolean {
    if (this.local.has(agent)) return true;
    for (const r of this.remote.values()) if (r.agents.has(agent)) return true;
    return false;
  }

  /** This process's first socket of the agent opened, or its last one closed. */
  set(agent: string, connected: boolean): void {
    const before = this.connected(agent);
    if (connected) this.local.add(agent);
    else this.local.delete(agent);
    if (this.connected(agent) !== before) this.onChange(agent, !before);
    const v = ++this.v;
    const multi = this.redis.multi();
    if (connected) multi.hset(this.key, agent, '1');
    else multi.hdel(this.key, agent);
    multi
      .hset(this.key, VERSION, String(v))
      .pexpire(this.key, this.timing.ttlMs)
      .publish(this.channel, JSON.stringify({ id: this.id, v, agent, connected }))
      .exec()
      // Redis away: the next heartbeat writes the whole set again.
      .catch((err: Error) => this.onError(err));
  }

  private onMessage(text: string): void {
    let m: { id?: unknown; v?: unknown; agent?: unknown; connected?: unknown; gone?: unknown };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return;
    }
    if (typeof m.id !== 'string' || m.id === this.id || typeof m.v !== 'number') return;
    const r = this.remote.get(m.id) ?? { v: 0, agents: new Set<string>(), seen: 0 };
    this.remote.set(m.id, r);
    r.seen = performance.now();
    if (m.v <= r.v) return;
    if (m.gone === true) {
      // Kept, empty, at its last version, so a read of its hash from before cannot bring its agents back.
      this.update(r.agents, () => {
        r.v = m.v as number;
        r.agents = new Set();
      });
      return;
    }
    if (typeof m.agent !== 'string') return;
    r.v = m.v;
    const agent = m.agent;
    this.update([agent], () => {
      if (m.connected === true) r.agents.add(agent);
      else r.agents.delete(agent);
    });
  }

  /** Runs `change`, then tells onChange about each of `agents` whose presence it changed. */
  private update(agents: Iterable<string>, change: () => void): void {
    const list = [...agents];
    const before = list.map((a) => this.connected(a));
    change();
    list.forEach((a, i) => {
      const now = this.connected(a);
      if (now !== before[i]) this.onChange(a, now);
    });
  }

  /** Rewrites this process's hash, then reads every other process's (and forgets those gone). */
  private async heartbeat(): Promise<void> {
    if (this.closed) return;
    try {
      const v = ++this.v;
      const fields: Record<string, string> = { [VERSION]: String(v) };
      for (const a of this.local) fields[a] = '1';
      await this.redis.multi().del(this.key).hset(this.key, fields).pexpire(this.key, this.timing.ttlMs).exec();
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}presence:*`, 'COUNT', 500);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
      const others = keys.filter((k) => k !== this.key);
      const read = await Promise.all(others.map((k) => this.redis.hgetall(k)));
      const now = performance.now();
      const seen = new Set<string>();
      others.forEach((key, i) => {
        const id = key.slice(`${this.prefix}presence:`.length);
        const hash = read[i]!;
        const hv = Number(hash[VERSION]);
        if (!Number.isFinite(hv)) return;
        seen.add(id);
        const r = this.remote.get(id) ?? { v: 0, agents: new Set<string>(), seen: now };
        this.remote.set(id, r);
        r.seen = now;
        if (hv < r.v) return;
        const agents = new Set(Object.keys(hash).filter((k) => k !== VERSION));
        this.update(new Set([...r.agents, ...agents]), () => {
          r.v = hv;
          r.agents = agents;
        });
      });
      // Gone: its hash expired. One only heard of by a message may not have written its hash when we looked.
      for (const [id, r] of this.remote)
        if (!seen.has(id) && now - r.seen > this.timing.ttlMs)
          this.update(r.agents, () => {
            this.remote.delete(id);
          });
    } catch (err) {
      this.onError(err as Error);
    }
  }

  /** Stops the heartbeat and removes this process's hash (its agents leave the others' boards now, not after the TTL). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.sub.disconnect();
    await this.redis
      .multi()
      .del(this.key)
      .publish(this.channel, JSON.stringify({ id: this.id, v: ++this.v, gone: true }))
      .exec()
      .catch(() => undefined);
  }
}
