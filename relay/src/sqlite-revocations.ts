// Revoked relay tokens, by token id, in the SQLite store's database: `npm run relay -- revoke`
// writes here (possibly while `serve` runs on the same file), the websocket hub and
// GET /api/events read it.
import type Database from 'better-sqlite3';

export class SqliteRevocations {
  private readonly insert: Database.Statement;
  private readonly find: Database.Statement;

  constructor(db: Database.Database) {
    this.insert = db.prepare('INSERT OR IGNORE INTO revoked_tokens (jti, revoked_at) VALUES (?, ?)');
    this.find = db.prepare('SELECT 1 FROM revoked_tokens WHERE jti = ?');
  }

  revoke(jti: string): void {
    this.insert.run(jti, Date.now());
  }

  isRevoked(jti: string): boolean {
    return this.find.get(jti) !== undefined;
  }
}
