/**
 * The body store in PostgreSQL (the ledger's database and schema, table `bodies`), so every instance of a
 * fleet writes to, and `penny export` / `penny router` read from, one place. Like the SQLite store, `put`
 * only buffers (the hash is computed at once, because the ledger entry needs it); a timer writes the buffer
 * in one statement per batch (`INSERT … SELECT FROM unnest(…) ON CONFLICT (hash) DO NOTHING`: identical
 * exchanges share one row), and reads flush first. While the database refuses writes the batch is kept
 * and retried; past MAX_BUFFERED the oldest bodies are dropped and reported (bodies are a convenience for
 * exports, not money: the ledger's spill file is not needed here).
 */
import type pg from 'pg';
import type { CanonicalRequest } from '../core/request.js';
import type { CanonicalResponse } from '../core/response.js';
import { migrate } from '../postgres/migrate.js';
import { createPool, quoteSchema } from '../postgres/pool.js';
import type { BodyStore, StoredExchange } from './body-store.js';
import { exchangeHash, responseForStorage } from './prompt-hash.js';

export const BODIES_MIGRATIONS = {
  component: 'bodies',
  steps: [
    `CREATE TABLE {schema}.bodies (
       hash TEXT PRIMARY KEY,
       stored_at BIGINT NOT NULL,
       request TEXT NOT NULL,
       response TEXT NOT NULL
     );`,
  ],
};

export interface PgBodyStoreOptions {
  url: string;
  /** Schema holding the table (default "public"). */
  schema?: string;
  /** How long a body may wait in the buffer, ms (default 200). */
  flushIntervalMs?: number;
  /** Reports write failures (the batch is kept for the next try). */
  onError?: (err: unknown) => void;
}

interface Pending {
  hash: string;
  request: string;
  response: string;
  at: number;
}

const MAX_BUFFERED = 10_000;
const RETRY_DELAY_MS = 2_000;
const BATCH = 256;

export class PgBodyStore implements BodyStore {
  readonly #pool: pg.Pool;
  readonly #table: string;
  readonly #flushIntervalMs: number;
  readonly #onError: (err: unknown) => void;
  #buffer: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #closed = false;

  static async open(opts: PgBodyStoreOptions): Promise<PgBodyStore> {
    const pool = createPool({ url: opts.url, max: 2, applicationName: 'penny-bodies', onError: () => {} });
    try {
      await migrate(pool, opts.schema ?? 'public', BODIES_MIGRATIONS);
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
    return new PgBodyStore(pool, opts);
  }

  private constructor(pool: pg.Pool, opts: PgBodyStoreOptions) {
    this.#pool = pool;
    this.#table = `${quoteSchema(opts.schema ?? 'public')}.bodies`;
    this.#flushIntervalMs = Math.max(1, opts.flushIntervalMs ?? 200);
    this.#onError = opts.onError ?? ((e) => process.emitWarning(`body store write failed: ${String(e)}`));
  }

  put(request: CanonicalRequest, response: CanonicalResponse, at: number): string {
    const req = JSON.stringify(request);
    const res = JSON.stringify(responseForStorage(response));
    const hash = exchangeHash(req, res);
    if (this.#closed) return hash;
    this.#buffer.push({ hash, request: req, response: res, at });
    if (this.#buffer.length > MAX_BUFFERED) {
      const dropped = this.#buffer.length - MAX_BUFFERED;
      this.#buffer.splice(0, dropped);
      this.#report(new Error(`body store: ${dropped} stored bodies dropped while writes fail`));
    }
    this.#schedule(this.#flushIntervalMs);
    return hash;
  }

  async get(hash: string): Promise<StoredExchange | undefined> {
    await this.flush().catch((e) => this.#report(e));
    const res = await this.#pool.query<{
      hash: string;
      stored_at: string;
      request: string;
      response: string;
    }>(`SELECT hash, stored_at, request, response FROM ${this.#table} WHERE hash = $1`, [hash]);
    const row = res.rows[0];
    if (!row) return undefined;
    return {
      hash: row.hash,
      storedAt: Number(row.stored_at),
      request: JSON.parse(row.request) as CanonicalRequest,
      response: JSON.parse(row.response) as CanonicalResponse,
    };
  }

  /** Writes everything buffered; throws (keeping the rest buffered) when the database refuses. */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
    if (this.#buffer.length === 0) return;
    this.#writing = this.#write().finally(() => {
      this.#writing = undefined;
    });
    await this.#writing;
  }

  async #write(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.slice(0, BATCH);
      await this.#pool.query(
        `INSERT INTO ${this.#table} (hash, stored_at, request, response)
         SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[]) ON CONFLICT (hash) DO NOTHING`,
        [
          batch.map((b) => b.hash),
          batch.map((b) => b.at),
          batch.map((b) => b.request),
          batch.map((b) => b.response),
        ],
      );
      this.#buffer.splice(0, batch.length);
    }
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch((e) => {
        this.#report(e);
        this.#schedule(RETRY_DELAY_MS);
      });
    }, ms).unref();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    try {
      await this.flush();
    } catch (e) {
      this.#report(new Error(`body store: ${this.#buffer.length} bodies not written at close: ${String(e)}`));
    } finally {
      await this.#pool.end().catch(() => {});
    }
  }

  #report(err: unknown): void {
    try {
      this.#onError(err);
    } catch {
      // A reporting hook that throws must not break the request path.
    }
  }
}
