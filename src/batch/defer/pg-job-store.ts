/**
 * Deferred jobs in PostgreSQL (chosen when the ledger is PostgreSQL: its database and schema), so every
 * instance sees every job and `GET /v1/penny/jobs/{id}` answers on any of them. The table is created by a
 * versioned migration under the advisory lock (src/postgres/migrate.ts). `claim` leases jobs with
 * `FOR UPDATE SKIP LOCKED` and a lease end on the server's clock, so instances polling together each get
 * different jobs and none is submitted twice while its lease lives.
 */
import type pg from 'pg';
import { type Migrations, migrate } from '../../postgres/migrate.js';
import { createPool, quoteSchema } from '../../postgres/pool.js';
import type { Job, JobStatus } from './job.js';
import type { JobStore } from './job-store.js';

export const JOB_STORE_MIGRATIONS: Migrations = {
  component: 'batch-jobs',
  steps: [
    `CREATE TABLE {schema}.penny_batch_jobs (
       id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at BIGINT NOT NULL,
       lease_until BIGINT NOT NULL DEFAULT 0, data TEXT NOT NULL);
     CREATE INDEX penny_batch_jobs_status ON {schema}.penny_batch_jobs (status, created_at, id);`,
  ],
};

/** The server's clock in ms: leases compare against one clock whatever the instances' clocks say. */
const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

export interface PgJobStoreOptions {
  url: string;
  /** Default "public". */
  schema?: string;
  onError?: (e: Error) => void;
}

export class PgJobStore implements JobStore {
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private readonly t: { jobs: string };
  private ready: Promise<unknown> | null = null;

  constructor(opts: PgJobStoreOptions) {
    this.schema = opts.schema ?? 'public';
    this.t = { jobs: `${quoteSchema(this.schema)}.penny_batch_jobs` };
    this.pool = createPool({
      url: opts.url,
      applicationName: 'penny-batch-jobs',
      ...(opts.onError ? { onError: opts.onError } : {}),
    });
  }

  /** Migrates on first use; a failed attempt is retried by the next call. */
  private async q<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
    this.ready ??= migrate(this.pool, this.schema, JOB_STORE_MIGRATIONS).catch((e) => {
      this.ready = null;
      throw e;
    });
    await this.ready;
    return (await this.pool.query<R>(text, params)).rows;
  }

  async put(job: Job): Promise<void> {
    await this.q(
      `INSERT INTO ${this.t.jobs} (id, status, created_at, lease_until, data) VALUES ($1, $2, $3, 0, $4)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, data = EXCLUDED.data, lease_until = 0`,
      [job.id, job.status, job.createdAt, JSON.stringify(job)],
    );
  }

  async get(id: string): Promise<Job | undefined> {
    const rows = await this.q<{ data: string }>(`SELECT data FROM ${this.t.jobs} WHERE id = $1`, [id]);
    return rows[0] ? (JSON.parse(rows[0].data) as Job) : undefined;
  }

  async byStatus(status: JobStatus, limit: number): Promise<Job[]> {
    const rows = await this.q<{ data: string }>(
      `SELECT data FROM ${this.t.jobs} WHERE status = $1 ORDER BY created_at, id LIMIT $2`,
      [status, limit],
    );
    return rows.map((r) => JSON.parse(r.data) as Job);
  }

  async claim(status: JobStatus, limit: number, leaseMs: number): Promise<Job[]> {
    // Rows another transaction is leasing right now are skipped; a row leased and committed meanwhile fails
    // the re-checked `lease_until` condition, so each job goes to one caller. MATERIALIZED: the LIMIT applies
    // once (an `IN (subquery)` may be re-run by the planner and lease more than `limit`).
    const rows = await this.q<{ data: string; created_at: string; id: string }>(
      `WITH picked AS MATERIALIZED (
         SELECT id FROM ${this.t.jobs} WHERE status = $1 AND lease_until <= ${NOW_MS}
         ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE ${this.t.jobs} AS j SET lease_until = ${NOW_MS} + $3 FROM picked
       WHERE j.id = picked.id AND j.status = $1 AND j.lease_until <= ${NOW_MS}
       RETURNING j.id, j.created_at, j.data`,
      [status, limit, leaseMs],
    );
    return rows
      .sort((a, b) => Number(a.created_at) - Number(b.created_at) || (a.id < b.id ? -1 : 1))
      .map((r) => JSON.parse(r.data) as Job);
  }

  async release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.q(`UPDATE ${this.t.jobs} SET lease_until = 0 WHERE id = ANY($1::text[])`, [[...ids]]);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}
