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
 * The store keeps every key of the table in memory with its row's rowid (read once at open, then kept with
 * every committed write, delete and prune; at most `maxEntries` keys), so a miss — every request that is
 * not a hit — is answered without a query, and a hit or a replacement finds its row by rowid, the table's own
 * b-tree. The table has no index on the key, only one on the expiry; the row holds its key, which every read,
 * replacement and delete compares: the response cache and the embeddings cache open the same file, and one
 * may give a row the other still maps to one of its keys (then that key is a miss, never another's value).
 * The file is this process's own: rows another process adds are not seen until a reopen.
 * A full table does not delete rows to make room: a batch's new keys take over the rows closest to expiry
 * (expired ones first) and rewrite them in place, and a replaced key rewrites its own row, so a busy cache's
 * steady state frees and allocates no pages. Against the earlier layout (rows found through an index of a
 * 52-bit slot of the key, a full table trimmed by deleting 256 rows every 256 writes), in-process, 9
 * interleaved rounds at load ~12, 10k rows of 1.1 kB, batches of 50: a full table 19.0 → 9.2 µs of CPU per
 * stored row; one row expiring per write 14.6 → 10.0 µs.
 * A file of an earlier layout (a `slot` column, or the key as primary key) is dropped at open: it is a cache.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { CacheStore } from './cache-store.js';

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
  /** The rowid of every key of the table; a key not here (nor queued) is a miss without a query. */
  private readonly rowids = new Map<string, number>();
  private readonly writeBatch: (rows: Array<[string, QueuedRow]>, changes: MapChanges) => void;
  private readonly stmts: {
    get: Database.Statement<[number, string, number], { value: string }>;
    set: Database.Statement<[string, string, number]>;
    put: Database.Statement<[string, string, number, number]>;
    replace: Database.Statement<[string, number, number, string]>;
    oldest: Database.Statement<[number], [number, string]>;
    del: Database.Statement<[number, string]>;
    expire: Database.Statement<[number], string>;
    trim: Database.Statement<[number], string>;
  };

  constructor(path: string, opts: SqliteStoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    const columns = this.db.pragma('table_info(cache_entries)') as Array<{ name: string; pk: number }>;
    // An earlier layout: its entries are only a cache.
    if (columns.some((c) => c.name === 'slot' || c.pk > 0)) this.db.exec('DROP TABLE cache_entries');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS cache_entries (key TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER NOT NULL);' +
        'CREATE INDEX IF NOT EXISTS cache_entries_expiry ON cache_entries (expires_at);',
    );
    this.max = Math.max(1, opts.maxEntries ?? 10_000);
    this.pruneEvery = Math.max(1, opts.pruneEvery ?? 256);
    this.flushMs = Math.max(0, opts.flushMs ?? 25);
    this.batchSize = Math.max(1, opts.batchSize ?? 256);
    this.now = opts.now ?? Date.now;
    this.stmts = {
      get: this.db.prepare('SELECT value FROM cache_entries WHERE rowid = ? AND key = ? AND expires_at > ?'),
      set: this.db.prepare('INSERT INTO cache_entries (key, value, expires_at) VALUES (?, ?, ?)'),
      put: this.db.prepare('UPDATE cache_entries SET key = ?, value = ?, expires_at = ? WHERE rowid = ?'),
      replace: this.db.prepare(
        'UPDATE cache_entries SET value = ?, expires_at = ? WHERE rowid = ? AND key = ?',
      ),
      oldest: this.db
        .prepare<[number], [number, string]>(
          'SELECT rowid, key FROM cache_entries ORDER BY expires_at LIMIT ?',
        )
        .raw(),
      del: this.db.prepare('DELETE FROM cache_entries WHERE rowid = ? AND key = ?'),
      // The deleted keys come back as a plain array of strings (pluck): no object per deleted row.
      expire: this.db
        .prepare<[number], string>('DELETE FROM cache_entries WHERE expires_at <= ? RETURNING key')
        .pluck(),
      trim: this.db
        .prepare<[number], string>(
          'DELETE FROM cache_entries WHERE rowid IN (SELECT rowid FROM cache_entries ORDER BY expires_at LIMIT ?) RETURNING key',
        )
        .pluck(),
    };
    const all = this.db.prepare('SELECT rowid AS id, key FROM cache_entries');
    for (const r of all.iterate() as Iterable<{ id: number; key: string }>) this.rowids.set(r.key, r.id);
    // The map takes the batch's changes only once its transaction has committed: a batch that fails leaves
    // the map as the table is (its writes are rolled back too).
    this.writeBatch = this.db.transaction((rows, changes) => {
      const fresh: Array<[string, QueuedRow]> = [];
      for (const row of rows) {
        const own = this.rowids.get(row[0]);
        // A replaced key keeps its row — if the row still holds that key (another store on the same file, such
        // as the embeddings cache's, may have given it to one of its keys): else it is written as a new key.
        if (
          own === undefined ||
          this.stmts.replace.run(row[1].value, row[1].expiresAt, own, row[0]).changes === 0
        )
          fresh.push(row);
      }
      if (fresh.length === 0) return;
      // A full table gives the rows closest to expiry (expired ones first) to the new keys: one row rewritten
      // in place instead of a row deleted (its page freed) and one appended, ~25% less CPU per stored row.
      const over = Math.min(fresh.length, this.rowids.size + fresh.length - this.max);
      const reuse = over > 0 ? this.stmts.oldest.all(over) : [];
      let i = 0;
      for (const [key, r] of fresh) {
        const old = reuse[i++];
        if (old !== undefined) {
          this.stmts.put.run(key, r.value, r.expiresAt, old[0]);
          changes.dropped.push([old[1], old[0]]);
          changes.placed.push([key, old[0]]);
        } else {
          const id = Number(this.stmts.set.run(key, r.value, r.expiresAt).lastInsertRowid);
          changes.placed.push([key, id]);
        }
      }
    });
  }

  mayHave(key: string): boolean {
    return this.queued.has(key) || this.rowids.has(key);
  }

  async get(key: string): Promise<string | null> {
    const q = this.queued.get(key);
    if (q !== undefined) return q.expiresAt > this.now() ? q.value : null;
    const id = this.rowids.get(key);
    if (id === undefined) return null;
    return this.stmts.get.get(id, key, this.now())?.value ?? null;
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
        const changes: MapChanges = { dropped: [], placed: [] };
        this.writeBatch(rows, changes);
        // A row taken from one of this store's keys (not from another store's on the same file).
        for (const [key, id] of changes.dropped) if (this.rowids.get(key) === id) this.rowids.delete(key);
        for (const [key, id] of changes.placed) this.rowids.set(key, id);
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
    const id = this.rowids.get(key);
    if (id === undefined) return;
    this.stmts.del.run(id, key);
    this.rowids.delete(key);
  }

  async clear(): Promise<void> {
    this.queued.clear();
    this.db.exec('DELETE FROM cache_entries');
    this.rowids.clear();
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.flush();
    this.db.close();
  }

  /** Deletes expired rows, then the rows closest to expiry above the bound (the map counts the table's rows). */
  prune(): void {
    for (const key of this.stmts.expire.all(this.now())) this.rowids.delete(key);
    const over = this.rowids.size - this.max;
    if (over > 0) for (const key of this.stmts.trim.all(over)) this.rowids.delete(key);
  }

  /** How many keys the store knows of (tests: it follows the table). */
  get knownKeys(): number {
    return this.rowids.size;
  }
}

/** What a committed batch changes in the key → rowid map (rows given to other keys, rows placed). */
interface MapChanges {
  dropped: Array<[string, number]>;
  placed: Array<[string, number]>;
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
