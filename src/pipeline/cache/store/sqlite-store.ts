/**
 * The SQLite store (better-sqlite3, WAL): survives restarts of a single gateway. Rows carry their expiry
 * and are never returned after it. Every `pruneEvery` writes, expired rows are deleted and, above
 * `maxEntries`, the rows closest to expiry go first. A full disk surfaces as a thrown SQLITE_FULL, which
 * the guarded store in front turns into a counted, logged miss.
 *
 * Writes are batched: `set` queues the row and resolves once a transaction holds it — written `flushMs`
 * after the first queued row (25 ms by default, like the ledger's batches), or on the next turn of the event
 * loop once `batchSize` rows wait — so a cache miss's store costs no commit of its own and never runs before
 * the answer it stores was written to the client. One commit per 25 ms instead of one per event-loop turn
 * cut the SQLite write from ~34 to ~15 µs of CPU per row (unloaded, 1.1 kB rows). Until then `get` answers
 * from the queue, so a stored entry is visible at once; `delete`, `clear` and `close` see the queue too.
 *
 * The store keeps every key of the table in memory with its row's rowid and expiry (read once at open, then
 * kept with every committed write, delete and prune; at most `maxEntries` keys), so a miss — every request
 * that is not a hit — is answered without a query, and a hit or a replacement finds its row by rowid, the
 * table's own b-tree. The rows' order of expiry is kept in memory too (expiry-heap.ts): the table has no
 * index at all, so a stored row updates no index page — with a 16 KiB page for a new file, 4.5 → 2.3 µs of
 * CPU per stored row of 800 bytes (raw SQLite, in-process). A full table does not delete rows to make room: a batch's
 * new keys take over this store's rows closest to expiry (expired ones first) and rewrite them in place, and
 * a replaced key rewrites its own row, so a busy cache's steady state frees and allocates no pages.
 * The row holds its key, which every read, replacement and delete compares: the response cache and the
 * embeddings cache open the same file, and each store evicts only the rows it knows (read at open, or written
 * by it), so with both caches in use the file holds up to ~2 × `cache.maxEntries` rows.
 * The file is this process's own: rows another process adds are not seen until a reopen.
 * A file of an earlier layout (a `slot` column, or the key as primary key) is dropped at open: it is a cache;
 * the expiry index of the previous layout is dropped.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { sqliteCheckpointer } from '../../../core/sqlite-checkpointer.js';
import type { CacheStore } from './cache-store.js';
import { ExpiryHeap, type RowRef } from './expiry-heap.js';

export interface SqliteStoreOptions {
  maxEntries?: number;
  pruneEvery?: number;
  /** How long the first queued row waits for others before their transaction is written (ms). */
  flushMs?: number;
  /** This many queued rows are written on the next turn without waiting for `flushMs`. */
  batchSize?: number;
  now?: () => number;
}

export class SqliteStore implements CacheStore {
  readonly kind = 'sqlite' as const;
  readonly db: Database.Database;
  private readonly max: number;
  private readonly pruneEvery: number;
  private readonly flushMs: number;
  private readonly batchSize: number;
  private readonly now: () => number;
  private writes = 0;
  /** Rows waiting for the next batch (a later set of the same key replaces its row). */
  private queued = new Map<string, QueuedRow>();
  /** Settles the `set` calls of the queued rows: one promise per batch, not one per row. */
  private batch: Batch | undefined;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** Every key of the table with its row and expiry; a key not here (nor queued) is a miss without a query. */
  private readonly rows = new Map<string, RowRef>();
  /** The rows of `rows` by expiry, and rows no longer in it (skipped when they come up). */
  private readonly byExpiry = new ExpiryHeap();
  private readonly writeBatch: (rows: Array<[string, QueuedRow]>, changes: BatchChanges) => void;
  private readonly deleteRows: (victims: RowRef[]) => void;
  private readonly stmts: {
    get: Database.Statement<[number, string, number], { value: string }>;
    set: Database.Statement<[string, string, number]>;
    put: Database.Statement<[string, string, number, number, string]>;
    replace: Database.Statement<[string, number, number, string]>;
    del: Database.Statement<[number, string]>;
  };

  constructor(path: string, opts: SqliteStoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    // Larger pages for a new file: fewer pages (and WAL frames) per batch of ~1 kB rows. An existing file
    // keeps its page size (SQLite changes it only on an empty database).
    this.db.pragma('page_size = 16384');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    const columns = this.db.pragma('table_info(cache_entries)') as Array<{ name: string; pk: number }>;
    // An earlier layout: its entries are only a cache.
    if (columns.some((c) => c.name === 'slot' || c.pk > 0)) this.db.exec('DROP TABLE cache_entries');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS cache_entries (key TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER NOT NULL);' +
        'DROP INDEX IF EXISTS cache_entries_expiry;',
    );
    // WAL checkpoints (page copies and fsyncs) run in a worker thread, not inside a batch's commit.
    sqliteCheckpointer.watch(this.db, path);
    this.max = Math.max(1, opts.maxEntries ?? 10_000);
    this.pruneEvery = Math.max(1, opts.pruneEvery ?? 256);
    this.flushMs = Math.max(0, opts.flushMs ?? 25);
    this.batchSize = Math.max(1, opts.batchSize ?? 256);
    this.now = opts.now ?? Date.now;
    this.stmts = {
      get: this.db.prepare('SELECT value FROM cache_entries WHERE rowid = ? AND key = ? AND expires_at > ?'),
      set: this.db.prepare('INSERT INTO cache_entries (key, value, expires_at) VALUES (?, ?, ?)'),
      // A row given to a new key, if it still holds the key this store knows it by.
      put: this.db.prepare(
        'UPDATE cache_entries SET key = ?, value = ?, expires_at = ? WHERE rowid = ? AND key = ?',
      ),
      replace: this.db.prepare(
        'UPDATE cache_entries SET value = ?, expires_at = ? WHERE rowid = ? AND key = ?',
      ),
      del: this.db.prepare('DELETE FROM cache_entries WHERE rowid = ? AND key = ?'),
    };
    const all = this.db.prepare('SELECT rowid, key, expires_at FROM cache_entries').raw();
    const duplicates: number[] = [];
    for (const [id, key, expiresAt] of all.iterate() as Iterable<[number, string, number]>) {
      const row: RowRef = { key, id, expiresAt };
      const had = this.rows.get(key);
      // Two rows of one key (another store on the file wrote it too): the later row is the key's.
      if (had !== undefined) duplicates.push(had.id);
      this.rows.set(key, row);
      this.byExpiry.push(row);
    }
    if (duplicates.length) this.byExpiry.compact((r) => this.rows.get(r.key) === r);
    // The map and the heap take the batch's changes only once its transaction has committed: a batch that
    // fails leaves them as the table is (its writes are rolled back too).
    this.writeBatch = this.db.transaction((rows: Array<[string, QueuedRow]>, changes: BatchChanges) => {
      const fresh: Array<[string, QueuedRow]> = [];
      for (const row of rows) {
        const own = this.rows.get(row[0]);
        // A replaced key keeps its row — if the row still holds that key (another store on the same file, such
        // as the embeddings cache's, may have given it to one of its keys): else it is written as a new key.
        if (
          own !== undefined &&
          this.stmts.replace.run(row[1].value, row[1].expiresAt, own.id, row[0]).changes > 0
        )
          changes.placed.push({ key: row[0], id: own.id, expiresAt: row[1].expiresAt });
        else fresh.push(row);
      }
      if (fresh.length === 0) return;
      // A full table gives this store's rows closest to expiry (expired ones first) to the new keys: one row
      // rewritten in place instead of a row deleted (its page freed) and one appended.
      let over = Math.min(fresh.length, this.rows.size + fresh.length - this.max);
      const replaced = changes.placed.length ? new Set(changes.placed.map((p) => p.id)) : undefined;
      let i = 0;
      while (over > 0 && i < fresh.length) {
        const old = this.byExpiry.pop();
        if (old === undefined) break;
        changes.popped.push(old);
        // Not a live row of this store, or one this batch just rewrote for its own key.
        if (this.rows.get(old.key) !== old || replaced?.has(old.id)) continue;
        // Its key leaves the map: the row goes to a new key — or already holds another store's key.
        changes.dropped.push(old);
        over--;
        const [key, r] = fresh[i]!;
        if (this.stmts.put.run(key, r.value, r.expiresAt, old.id, old.key).changes === 0) continue;
        changes.placed.push({ key, id: old.id, expiresAt: r.expiresAt });
        i++;
      }
      for (; i < fresh.length; i++) {
        const [key, r] = fresh[i]!;
        const id = Number(this.stmts.set.run(key, r.value, r.expiresAt).lastInsertRowid);
        changes.placed.push({ key, id, expiresAt: r.expiresAt });
      }
    });
    this.deleteRows = this.db.transaction((victims: RowRef[]) => {
      for (const v of victims) this.stmts.del.run(v.id, v.key);
    });
    for (const id of duplicates) this.db.prepare('DELETE FROM cache_entries WHERE rowid = ?').run(id);
  }

  mayHave(key: string): boolean {
    return this.queued.has(key) || this.rows.has(key);
  }

  async get(key: string): Promise<string | null> {
    const q = this.queued.get(key);
    if (q !== undefined) return q.expiresAt > this.now() ? q.value : null;
    const row = this.rows.get(key);
    if (row === undefined) return null;
    const now = this.now();
    if (row.expiresAt <= now) return null;
    return this.stmts.get.get(row.id, key, now)?.value ?? null;
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    this.queued.delete(key); // a replaced row goes to the end, as a second write would
    this.queued.set(key, { value, expiresAt: this.now() + Math.max(1, Math.round(ttlMs)) });
    if (this.queued.size >= this.batchSize) this.immediate ??= setImmediate(() => this.flush());
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
    this.batch ??= newBatch();
    return this.batch.promise;
  }

  /** Writes the queued rows in one transaction and settles their `set` calls (all fail if it fails). */
  flush(): void {
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    const rows = [...this.queued];
    const batch = this.batch;
    this.queued = new Map();
    this.batch = undefined;
    try {
      if (rows.length) {
        // none left when clear() or delete() emptied the queue
        const changes: BatchChanges = { popped: [], dropped: [], placed: [] };
        try {
          this.writeBatch(rows, changes);
        } catch (e) {
          for (const r of changes.popped) this.byExpiry.push(r); // rolled back: the rows are where they were
          throw e;
        }
        // A row taken from one of this store's keys goes with that key; the heap skips it from now on.
        for (const old of changes.dropped) if (this.rows.get(old.key) === old) this.rows.delete(old.key);
        for (const row of changes.placed) {
          this.rows.set(row.key, row);
          this.byExpiry.push(row);
        }
        if (this.byExpiry.size > 2 * this.rows.size + 64)
          this.byExpiry.compact((r) => this.rows.get(r.key) === r);
      }
      const before = this.writes;
      this.writes += rows.length;
      if (Math.floor(before / this.pruneEvery) !== Math.floor(this.writes / this.pruneEvery)) this.prune();
    } catch (e) {
      batch?.reject(e);
      return;
    }
    batch?.resolve();
  }

  async delete(key: string): Promise<void> {
    this.queued.delete(key);
    const row = this.rows.get(key);
    if (row === undefined) return;
    this.stmts.del.run(row.id, key);
    this.rows.delete(key);
  }

  async clear(): Promise<void> {
    this.queued.clear();
    this.db.exec('DELETE FROM cache_entries');
    this.rows.clear();
    this.byExpiry.clear();
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.flush();
    sqliteCheckpointer.unwatch(this.db);
    this.db.close();
  }

  /** Deletes expired rows, then the rows closest to expiry above the bound (the map counts the table's rows). */
  prune(): void {
    const now = this.now();
    const victims: RowRef[] = [];
    const popped: RowRef[] = [];
    let over = this.rows.size - this.max;
    for (;;) {
      const top = this.byExpiry.peek();
      if (top === undefined) break;
      const live = this.rows.get(top.key) === top;
      if (live && top.expiresAt > now && over <= 0) break;
      popped.push(this.byExpiry.pop()!);
      if (!live) continue;
      victims.push(top);
      over--;
    }
    if (victims.length === 0) return;
    try {
      this.deleteRows(victims);
    } catch (e) {
      for (const r of popped) this.byExpiry.push(r);
      throw e;
    }
    for (const v of victims) this.rows.delete(v.key);
  }

  /** How many keys the store knows of (tests: it follows the table). */
  get knownKeys(): number {
    return this.rows.size;
  }
}

/** What a batch changes in the key map and the heap once committed, and what it took from the heap. */
interface BatchChanges {
  /** Everything popped from the heap (pushed back if the batch fails). */
  popped: RowRef[];
  /** Rows given to new keys: their keys leave the map. */
  dropped: RowRef[];
  /** Rows written (new, replaced or taken over) with their keys and expiries. */
  placed: RowRef[];
}

interface QueuedRow {
  value: string;
  expiresAt: number;
}

interface Batch {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A failed batch is reported through each caller's await; an unawaited set must not crash the process.
  promise.catch(() => {});
  return { promise, resolve, reject };
}
