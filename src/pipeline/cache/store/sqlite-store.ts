/**
 * The SQLite store (better-sqlite3, WAL): survives restarts of a single gateway. Rows carry their expiry
 * and are never returned after it. Every `pruneEvery` writes, expired rows are deleted and, above
 * `maxEntries`, the rows closest to expiry go first. A full disk surfaces as a thrown SQLITE_FULL, which
 * the guarded store in front turns into a counted, logged miss.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { CacheStore } from './cache-store.js';

export interface SqliteStoreOptions {
  maxEntries?: number;
  pruneEvery?: number;
  now?: () => number;
}

export class SqliteStore implements CacheStore {
  readonly kind = 'sqlite' as const;
  readonly db: Database.Database;
  private readonly max: number;
  private readonly pruneEvery: number;
  private readonly now: () => number;
  private writes = 0;
  private readonly stmts: {
    get: Database.Statement<[string, number], { value: string }>;
    set: Database.Statement<[string, string, number]>;
    del: Database.Statement<[string]>;
    expire: Database.Statement<[number]>;
    count: Database.Statement<[], { n: number }>;
    trim: Database.Statement<[number]>;
  };

  constructor(path: string, opts: SqliteStoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS cache_entries (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER NOT NULL);' +
        'CREATE INDEX IF NOT EXISTS cache_entries_expiry ON cache_entries (expires_at);',
    );
    this.max = Math.max(1, opts.maxEntries ?? 10_000);
    this.pruneEvery = Math.max(1, opts.pruneEvery ?? 256);
    this.now = opts.now ?? Date.now;
    this.stmts = {
      get: this.db.prepare('SELECT value FROM cache_entries WHERE key = ? AND expires_at > ?'),
      set: this.db.prepare(
        'INSERT INTO cache_entries (key, value, expires_at) VALUES (?, ?, ?) ' +
          'ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
      ),
      del: this.db.prepare('DELETE FROM cache_entries WHERE key = ?'),
      expire: this.db.prepare('DELETE FROM cache_entries WHERE expires_at <= ?'),
      count: this.db.prepare('SELECT count(*) AS n FROM cache_entries'),
      trim: this.db.prepare(
        'DELETE FROM cache_entries WHERE key IN (SELECT key FROM cache_entries ORDER BY expires_at LIMIT ?)',
      ),
    };
  }

  async get(key: string): Promise<string | null> {
    return this.stmts.get.get(key, this.now())?.value ?? null;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.stmts.set.run(key, value, this.now() + Math.max(1, Math.round(ttlMs)));
    if (++this.writes % this.pruneEvery === 0) this.prune();
  }

  async delete(key: string): Promise<void> {
    this.stmts.del.run(key);
  }

  async clear(): Promise<void> {
    this.db.exec('DELETE FROM cache_entries');
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** Deletes expired rows, then the rows closest to expiry above the bound. */
  prune(): void {
    this.stmts.expire.run(this.now());
    const n = this.stmts.count.get()?.n ?? 0;
    if (n > this.max) this.stmts.trim.run(n - this.max);
  }
}
