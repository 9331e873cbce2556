/**
 * Conversation store in its own SQLite file beside the ledger (`ledger.db` → `ledger.responses.db`), so the
 * ledger's schema is not touched. Writes are synchronous (better-sqlite3) and happen after the answer has
 * been handed to the client; expired rows are purged when the store opens and then hourly.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { sqliteCheckpointer } from '../core/sqlite-checkpointer.js';
import type { ResponseStore, StoredResponse } from './response-store.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS responses (
  id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  input TEXT NOT NULL,
  response TEXT NOT NULL
)`;

export function responsesPathFor(ledgerPath: string): string {
  if (ledgerPath === ':memory:' || ledgerPath === '') return ':memory:';
  return ledgerPath.endsWith('.db')
    ? `${ledgerPath.slice(0, -3)}.responses.db`
    : `${ledgerPath}.responses.db`;
}

interface Row {
  id: string;
  created_at: number;
  input: string;
  response: string;
}

export class SqliteResponseStore implements ResponseStore {
  readonly kind = 'sqlite' as const;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly db: Database.Database,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {
    this.purge();
    this.timer = setInterval(() => this.purge(), 3_600_000);
    this.timer.unref();
  }

  static open(path: string, ttlMs: number, now: () => number = Date.now): SqliteResponseStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
    // WAL checkpoints run in a worker thread once the file is busy, not inside a `put` on the event loop.
    sqliteCheckpointer.watch(db, path);
    return new SqliteResponseStore(db, ttlMs, now);
  }

  async get(id: string): Promise<StoredResponse | null> {
    const row = this.db
      .prepare('SELECT id, created_at, input, response FROM responses WHERE id = ? AND created_at > ?')
      .get(id, this.now() - this.ttlMs) as Row | undefined;
    if (!row) return null;
    return {
      id: row.id,
      createdAt: row.created_at,
      input: JSON.parse(row.input) as unknown[],
      response: JSON.parse(row.response) as Record<string, unknown>,
    };
  }

  async put(r: StoredResponse): Promise<void> {
    this.db
      .prepare('INSERT OR REPLACE INTO responses (id, created_at, input, response) VALUES (?, ?, ?, ?)')
      .run(r.id, r.createdAt, JSON.stringify(r.input), JSON.stringify(r.response));
  }

  async delete(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM responses WHERE id = ?').run(id).changes > 0;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    sqliteCheckpointer.unwatch(this.db);
    if (this.db.open) this.db.close();
  }

  private purge(): void {
    this.db.prepare('DELETE FROM responses WHERE created_at <= ?').run(this.now() - this.ttlMs);
  }
}
