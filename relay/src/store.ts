// The event log behind the relay, and what every implementation promises (relay/test/store-contract.ts
// runs the same suite on each): SqliteEventStore (sqlite-store.ts) for one relay process,
// RelayRedisStore (redis-store.ts) for several sharing one Redis. What only some stores can do is
// an optional member (fanOut, durabilityWarning): the relay asks the store, never its class.
import type { ReportSource } from './board/report-rows';
import type { CallStateStore } from './call-state';
import type { PresenceTiming } from './redis-presence';

/** An event as the webhook adapter produced it, addressed to one agent. */
export interface NewEvent {
  /** SnapEngage's event id, or one derived from the event's content. Unique per agent. */
  id: string;
  /** Recipient agent email (lowercase), or PSEUDO_AGENT for events nobody receives. */
  agent: string;
  kind: string;
  /** ISO 8601 time the event happened. */
  at: string;
  data: Record<string, unknown>;
  /** JSON.stringify(data), when the caller already has it: stored and forwarded as is, serialized once. */
  dataJson?: string;
}

export interface StoredEvent extends NewEvent {
  /** Global, strictly increasing, never reused (also after pruning). */
  seq: number;
}

export interface AppendResult {
  seq: number;
  /** true when (agent, id) was already stored; seq is then the earlier one. */
  duplicate: boolean;
}

/**
 * A webhook body the adapter could not read, kept so it is not lost (routes.ts answers 202 once it
 * is stored) until an operator replays it through a newer adapter or field map, or drops it.
 */
export interface QuarantineEntry {
  /** `q-` + 32 hex of the endpoint and the body's bytes: a redelivered body is the same entry. */
  id: string;
  /** Order of receipt: increasing, never reused by a later entry. */
  n: number;
  /** The webhook it came to (`conversation-events`, `agent-status`). */
  endpoint: string;
  /** Epoch ms when it was first received. */
  receivedAt: number;
  /** The adapter's short code for why it could not be read (AdaptFailure), as of the last try. */
  reason: string;
  /** The adapter's message for it; names fields, may quote a status value. */
  detail: string;
  /** The body as received (UTF-8 JSON text). */
  body: string;
}
export type NewQuarantineEntry = Omit<QuarantineEntry, 'n'>;

/** Events with no addressee (queued/broadcasted without an agent) are kept under this name. */
export const PSEUDO_AGENT = '*';

/** This process's side of presence shared across relay processes (redis-presence.ts). */
export interface SharedPresence {
  /** This process's first socket of the agent opened (true), or its last one closed (false). */
  set(agent: string, connected: boolean): void;
  close(): Promise<void>;
}

/** Gets a stored event with the agent's previous seq (a gap shows a missed message). */
export type FanOutListener = (event: StoredEvent, prev: number) => void;

export interface EventStore {
  /** Random id of this log; a new database means a new generation and seqs start over. */
  readonly generation: string;
  /**
   * Durably stores the events (all or none per call); resolves once they are on disk.
   * `onCommitted` gets the same results as soon as the events are committed and readable, maybe
   * before they are on disk (SQLite: while its fsync runs), so the relay can forward them
   * sooner; it is called before the promise resolves, or not at all when the append fails.
   * Should it throw, the append stands: the events are stored, and the promise resolves as if
   * it had not (the caller's trouble must not make SnapEngage redeliver what is on disk).
   */
  append(events: NewEvent[], onCommitted?: (results: AppendResult[]) => void): Promise<AppendResult[]>;
  /** Events of one agent with seq > after, oldest first. */
  readAfter(agent: string, after: number, limit: number): Promise<StoredEvent[]>;
  /** Highest seq stored for the agent, 0 when none. */
  latest(agent: string): Promise<number>;
  /** Deletes events stored before the given time; resolves to how many. */
  prune(olderThan: Date): Promise<number>;
  /** Stores an entry as durably as append stores events; an id already stored is a duplicate (kept as it was). */
  quarantine(entry: NewQuarantineEntry): Promise<{ duplicate: boolean }>;
  /** Entries in order of receipt: with n > after (at most `limit`), or only those named by `ids`. */
  listQuarantine(query: { after?: number; limit: number; ids?: readonly string[] }): Promise<QuarantineEntry[]>;
  /** Records why the current adapter still cannot read an entry; no-op when it is gone. */
  updateQuarantine(id: string, reason: string, detail: string): Promise<void>;
  /** Removes entries; resolves to how many there were. */
  dropQuarantine(ids: readonly string[]): Promise<number>;
  /** Removes entries received before the given time; resolves to how many. */
  pruneQuarantine(olderThan: Date): Promise<number>;
  revokeToken(jti: string): Promise<void>;
  isRevoked(jti: string): Promise<boolean>;
  healthy(): Promise<boolean>;
  /** Finishes queued appends, then closes. */
  close(): Promise<void>;
  /**
   * Present when the store itself hands every stored event to every relay process sharing it
   * (Redis pub/sub, in seq order per agent): the relay then forwards what `listener` gets, its own
   * appends included, instead of what it appends. `onResync`: the feed had a break (messages may
   * have been missed); re-read from the store.
   */
  fanOut?(listener: FanOutListener, onResync: () => void): Promise<void>;
  /**
   * Server-side call sync's per-agent records (call-state.ts; relay/test/call-state-contract.ts is
   * their suite). Both stores keep them; absent only in a store made for a test.
   */
  readonly callStates?: CallStateStore;
  /**
   * The rows of the team's reports and board (board/report-rows.ts; relay/test/board/report-source.test.ts
   * runs one fixture through each store's). Both stores have one; absent only in a store made for a test.
   */
  readonly reportSource?: ReportSource;
  /**
   * Present when several relay processes share the store (Redis): which agents hold a websocket to
   * any of them, for the board's `connected`. `onChange` hears of every agent whose presence changes,
   * this process's own sockets included.
   */
  sharePresence?(onChange: (agent: string, connected: boolean) => void, timing?: Partial<PresenceTiming>): Promise<SharedPresence>;
  /** When the store relies on a server's settings to keep what it acknowledged: a warning for the operator, if they fall short. */
  durabilityWarning?(): Promise<{ message: string; details: Record<string, string> } | undefined>;
}
