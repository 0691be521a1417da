// Server-side call sync's records (call-state.ts) in the SQLite store's database, table
// call_states. An update is one transaction through the store's group commit, so it is on disk
// before it resolves, like an appended event; SQLite's write lock makes it atomic against the
// store's other connections too.
import type Database from 'better-sqlite3';
import { type CallState, type CallStateStore, dueAt, readCallState } from './call-state';

export class SqliteCallStates implements CallStateStore {
  private readonly stmts;

  /** `durably` runs a write inside the store's next group commit and resolves once it is on disk. */
  constructor(
    db: Database.Database,
    private readonly durably: <T>(write: (now: number) => T) => Promise<T>,
  ) {
    this.stmts = {
      get: db.prepare('SELECT state FROM call_states WHERE agent = ?'),
      put: db.prepare('INSERT OR REPLACE INTO call_states (agent, state, due_at, updated_at) VALUES (?, ?, ?, ?)'),
      prune: db.prepare('DELETE FROM call_states WHERE updated_at < ? AND due_at IS NULL'),
      due: db.prepare('SELECT agent FROM call_states WHERE due_at <= ? ORDER BY due_at LIMIT ?'),
      next: db.prepare('SELECT MIN(due_at) AS at FROM call_states'),
    };
  }

  private read(agent: string): { text: string | undefined; state: CallState } {
    const text = (this.stmts.get.get(agent) as { state: string } | undefined)?.state;
    return { text, state: readCallState(text) };
  }

  async get(agent: string): Promise<CallState> {
    return this.read(agent).state;
  }

  update<T>(agent: string, change: (current: CallState) => { next: CallState; result: T }): Promise<T> {
    return this.durably((now) => {
      const { text, state } = this.read(agent);
      const { next, result } = change(state);
      const nextText = JSON.stringify(next);
      if (nextText !== text) this.stmts.put.run(agent, nextText, dueAt(next) ?? null, now);
      return result;
    });
  }

  async due(now: number, limit: number): Promise<string[]> {
    return (this.stmts.due.all(now, limit) as { agent: string }[]).map((r) => r.agent);
  }

  async nextDueAt(): Promise<number | undefined> {
    return (this.stmts.next.get() as { at: number | null }).at ?? undefined;
  }

  prune(olderThan: Date): Promise<number> {
    return this.durably(() => this.stmts.prune.run(olderThan.getTime()).changes);
  }
}
