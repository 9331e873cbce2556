/**
 * The pass-through's objects and priced lines in PostgreSQL (chosen when the ledger is: its database and
 * schema), so a batch created through one instance is found, and its lines priced once, on any other.
 * Tables come from a versioned migration under the advisory lock (src/postgres/migrate.ts); `claimLines` is
 * one `INSERT … ON CONFLICT DO NOTHING RETURNING`, so concurrent downloads each get the lines nobody had.
 */
import type pg from 'pg';
import { type Migrations, migrate } from '../../postgres/migrate.js';
import { createPool, quoteSchema } from '../../postgres/pool.js';
import type { BatchObject, BatchObjectKind } from './batch-object.js';
import type { PassthroughStore } from './passthrough-store.js';

export const PASSTHROUGH_STORE_MIGRATIONS: Migrations = {
  component: 'batch-passthrough',
  steps: [
    `CREATE TABLE {schema}.penny_batch_objects (
       kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, id));
     CREATE TABLE {schema}.penny_batch_priced_lines (
       batch TEXT NOT NULL, custom_id TEXT NOT NULL, priced_at BIGINT NOT NULL, PRIMARY KEY (batch, custom_id));`,
  ],
};

export interface PgPassthroughStoreOptions {
  url: string;
  /** Default "public". */
  schema?: string;
  onError?: (e: Error) => void;
}

export class PgPassthroughStore implements PassthroughStore {
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private readonly t: { objects: string; lines: string };
  private ready: Promise<unknown> | null = null;

  constructor(opts: PgPassthroughStoreOptions) {
    this.schema = opts.schema ?? 'public';
    const s = quoteSchema(this.schema);
    this.t = { objects: `${s}.penny_batch_objects`, lines: `${s}.penny_batch_priced_lines` };
    this.pool = createPool({
      url: opts.url,
      applicationName: 'penny-batch-passthrough',
      ...(opts.onError ? { onError: opts.onError } : {}),
    });
  }

  /** Migrates on first use; a failed attempt is retried by the next call. */
  private async q<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
    this.ready ??= migrate(this.pool, this.schema, PASSTHROUGH_STORE_MIGRATIONS).catch((e) => {
      this.ready = null;
      throw e;
    });
    await this.ready;
    return (await this.pool.query<R>(text, params)).rows;
  }

  async put(o: BatchObject): Promise<void> {
    await this.q(
      `INSERT INTO ${this.t.objects} (kind, id, data) VALUES ($1, $2, $3)
       ON CONFLICT (kind, id) DO UPDATE SET data = EXCLUDED.data`,
      [o.kind, o.id, JSON.stringify(o)],
    );
  }

  async get(kind: BatchObjectKind, id: string): Promise<BatchObject | undefined> {
    const rows = await this.q<{ data: string }>(
      `SELECT data FROM ${this.t.objects} WHERE kind = $1 AND id = $2`,
      [kind, id],
    );
    return rows[0] ? (JSON.parse(rows[0].data) as BatchObject) : undefined;
  }

  async getMany(kind: BatchObjectKind, ids: readonly string[]): Promise<BatchObject[]> {
    if (ids.length === 0) return [];
    const rows = await this.q<{ data: string }>(
      `SELECT data FROM ${this.t.objects} WHERE kind = $1 AND id = ANY($2::text[])`,
      [kind, [...new Set(ids)]],
    );
    return rows.map((r) => JSON.parse(r.data) as BatchObject);
  }

  async claimLines(batch: string, customIds: readonly string[]): Promise<string[]> {
    if (customIds.length === 0) return [];
    const rows = await this.q<{ custom_id: string }>(
      `INSERT INTO ${this.t.lines} (batch, custom_id, priced_at)
       SELECT $1, c, (extract(epoch from clock_timestamp()) * 1000)::bigint FROM unnest($2::text[]) AS c
       ON CONFLICT DO NOTHING RETURNING custom_id`,
      [batch, [...new Set(customIds)]],
    );
    return rows.map((r) => r.custom_id);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}
