/**
 * Conversation store in PostgreSQL, for several instances behind one load balancer: a response created on
 * one instance is continued (`previous_response_id`) or fetched on any other. Lives in the ledger's
 * schema, table `responses`, created by a versioned migration (src/postgres/migrate.ts). Input and
 * response are kept as the JSON text the client saw (TEXT, not JSONB, so key order survives; JSON.stringify escapes
 * U+0000, which TEXT could not hold). Expired rows
 * are skipped on read and purged at open and then hourly.
 *
 * The record is written just after the answer went out, so a client that sends the next turn at once to
 * another instance can arrive before that write commits: a miss is therefore retried once after a short
 * pause before it becomes a 404.
 */
import type pg from 'pg';
import { migrate } from '../postgres/migrate.js';
import { createPool, quoteSchema } from '../postgres/pool.js';
import type { ResponseStore, StoredResponse } from './response-store.js';

export const RESPONSES_MIGRATIONS = {
  component: 'responses',
  steps: [
    `CREATE TABLE {schema}.responses (
       id TEXT PRIMARY KEY,
       created_at BIGINT NOT NULL,
       input TEXT NOT NULL,
       response TEXT NOT NULL
     );
     CREATE INDEX responses_created_at ON {schema}.responses (created_at);`,
  ],
};

export interface PgResponseStoreOptions {
  url: string;
  /** Schema holding the table (default "public"). */
  schema?: string;
  ttlMs: number;
  now?: () => number;
  /** Pause before a missed read is retried, ms (default 150). */
  missRetryMs?: number;
}

interface Row {
  id: string;
  created_at: string;
  input: string;
  response: string;
}

export class PgResponseStore implements ResponseStore {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #table: string;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #missRetryMs: number;
  readonly #timer: NodeJS.Timeout;

  static async open(opts: PgResponseStoreOptions): Promise<PgResponseStore> {
    const pool = createPool({ url: opts.url, max: 4, applicationName: 'penny-responses', onError: () => {} });
    try {
      await migrate(pool, opts.schema ?? 'public', RESPONSES_MIGRATIONS);
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
    const store = new PgResponseStore(pool, opts);
    await store.#purge();
    return store;
  }

  private constructor(pool: pg.Pool, opts: PgResponseStoreOptions) {
    this.#pool = pool;
    this.#table = `${quoteSchema(opts.schema ?? 'public')}.responses`;
    this.#ttlMs = opts.ttlMs;
    this.#now = opts.now ?? Date.now;
    this.#missRetryMs = opts.missRetryMs ?? 150;
    this.#timer = setInterval(() => void this.#purge().catch(() => {}), 3_600_000);
    this.#timer.unref();
  }

  async get(id: string): Promise<StoredResponse | null> {
    const found = await this.#read(id);
    if (found || this.#missRetryMs <= 0) return found;
    await new Promise((r) => setTimeout(r, this.#missRetryMs));
    return this.#read(id);
  }

  async #read(id: string): Promise<StoredResponse | null> {
    const res = await this.#pool.query<Row>(
      `SELECT id, created_at, input, response FROM ${this.#table} WHERE id = $1 AND created_at > $2`,
      [id, this.#now() - this.#ttlMs],
    );
    const row = res.rows[0];
    if (!row) return null;
    return {
      id: row.id,
      createdAt: Number(row.created_at),
      input: JSON.parse(row.input) as unknown[],
      response: JSON.parse(row.response) as Record<string, unknown>,
    };
  }

  async put(r: StoredResponse): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#table} (id, created_at, input, response) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET created_at = EXCLUDED.created_at, input = EXCLUDED.input,
         response = EXCLUDED.response`,
      [r.id, r.createdAt, JSON.stringify(r.input), JSON.stringify(r.response)],
    );
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.#pool.query(`DELETE FROM ${this.#table} WHERE id = $1`, [id]);
    return (res.rowCount ?? 0) > 0;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#pool.end().catch(() => {});
  }

  async #purge(): Promise<void> {
    await this.#pool.query(`DELETE FROM ${this.#table} WHERE created_at <= $1`, [this.#now() - this.#ttlMs]);
  }
}
