/**
 * The body store in its own SQLite file beside the ledger, so the ledger's schema and write path are not
 * touched. Like the ledger, `put` only buffers (the hash is computed at once, because the ledger entry
 * needs it); rows are written in one transaction per batch from an unref'd timer, and reads flush first.
 * Identical exchanges share one row (INSERT OR IGNORE on the hash).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { sqliteCheckpointer } from '../core/sqlite-checkpointer.js';
import type { CanonicalRequest } from '../core/request.js';
import type { CanonicalResponse } from '../core/response.js';
import type { BodyStore, StoredExchange } from './body-store.js';
import { exchangeHash, responseForStorage } from './prompt-hash.js';

export interface SqliteBodyStoreOptions {
  /** How long a body may wait in the buffer, ms (default 200). */
  flushIntervalMs?: number;
  /** Reports write failures (the batch is kept for the next try). */
  onError?: (err: unknown) => void;
  /** Open an existing file for reading only (the export command). */
  readonly?: boolean;
}

interface Pending {
  hash: string;
  request: string;
  response: string;
  at: number;
}

/** Bodies kept in memory while writes fail; beyond it the oldest are dropped and reported. */
const MAX_BUFFERED = 10_000;
const RETRY_DELAY_MS = 2_000;

const SCHEMA = `CREATE TABLE IF NOT EXISTS bodies (
  hash TEXT PRIMARY KEY,
  stored_at INTEGER NOT NULL,
  request TEXT NOT NULL,
  response TEXT NOT NULL
)`;

export class SqliteBodyStore implements BodyStore {
  readonly #db: Database.Database;
  readonly #flushIntervalMs: number;
  readonly #onError: (err: unknown) => void;
  #buffer: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  static open(path: string, opts: SqliteBodyStoreOptions = {}): SqliteBodyStore {
    if (!opts.readonly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, {
      readonly: opts.readonly === true,
      fileMustExist: opts.readonly === true,
    });
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(SCHEMA);
      // WAL checkpoints run in a worker thread once the file is busy, not inside a batch's commit.
      sqliteCheckpointer.watch(db, path);
    }
    return new SqliteBodyStore(db, opts);
  }

  private constructor(db: Database.Database, opts: SqliteBodyStoreOptions) {
    this.#db = db;
    this.#flushIntervalMs = Math.max(1, opts.flushIntervalMs ?? 25);
    this.#onError = opts.onError ?? ((e) => process.emitWarning(`body store write failed: ${String(e)}`));
  }

  put(request: CanonicalRequest, response: CanonicalResponse, at: number): string {
    const req = JSON.stringify(request);
    const res = JSON.stringify(responseForStorage(response));
    const hash = exchangeHash(req, res);
    if (this.#closed) return hash;
    this.#buffer.push({ hash, request: req, response: res, at });
    this.#schedule(this.#flushIntervalMs);
    return hash;
  }

  async get(hash: string): Promise<StoredExchange | undefined> {
    this.#flushSync();
    const row = this.#db
      .prepare<[string], { hash: string; stored_at: number; request: string; response: string }>(
        'SELECT hash, stored_at, request, response FROM bodies WHERE hash = ?',
      )
      .get(hash);
    if (!row) return undefined;
    return {
      hash: row.hash,
      storedAt: row.stored_at,
      request: JSON.parse(row.request) as CanonicalRequest,
      response: JSON.parse(row.response) as CanonicalResponse,
    };
  }

  /** Number of stored exchanges (for tests and diagnostics). */
  count(): number {
    this.#flushSync();
    const r = this.#db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM bodies').get();
    return r?.n ?? 0;
  }

  async flush(): Promise<void> {
    this.#flushSync();
  }

  #flushSync(): void {
    if (this.#buffer.length === 0 || this.#db.readonly) return;
    const batch = this.#buffer;
    this.#buffer = [];
    try {
      const insert = this.#db.prepare<[string, number, string, string]>(
        'INSERT OR IGNORE INTO bodies (hash, stored_at, request, response) VALUES (?, ?, ?, ?)',
      );
      this.#db.transaction((rows: Pending[]) => {
        for (const r of rows) insert.run(r.hash, r.at, r.request, r.response);
      })(batch);
    } catch (e) {
      this.#buffer = batch.concat(this.#buffer);
      if (this.#buffer.length > MAX_BUFFERED) {
        const dropped = this.#buffer.length - MAX_BUFFERED;
        this.#buffer = this.#buffer.slice(dropped);
        this.#onError(new Error(`body store: ${dropped} stored bodies dropped while writes fail`));
      }
      this.#onError(e);
      if (!this.#closed) this.#schedule(RETRY_DELAY_MS);
    }
  }

  #schedule(ms: number): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#flushSync();
    }, ms).unref();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flushSync();
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    sqliteCheckpointer.unwatch(this.#db);
    this.#db.close();
  }
}
