/** Deferred jobs in a SQLite file (default: beside the ledger, `ledger.db` → `ledger.jobs.db`). */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Job, JobStatus } from './job.js';
import type { JobStore } from './job-store.js';

export class SqliteJobStore implements JobStore {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly one: Database.Statement;
  private readonly inState: Database.Statement;
  private readonly free: Database.Statement;
  private readonly lease: Database.Statement;
  private readonly unlease: Database.Statement;
  private readonly claimTx: (status: JobStatus, limit: number, leaseMs: number) => Job[];

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS penny_batch_jobs (
         id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at INTEGER NOT NULL, data TEXT NOT NULL,
         lease_until INTEGER NOT NULL DEFAULT 0);
       CREATE INDEX IF NOT EXISTS penny_batch_jobs_status ON penny_batch_jobs (status, created_at);`,
    );
    // Files written before leases existed lack the column.
    const cols = this.db.prepare('PRAGMA table_info(penny_batch_jobs)').all() as Array<{ name: string }>;
    if (!cols.some((c) => c.name === 'lease_until'))
      this.db.exec('ALTER TABLE penny_batch_jobs ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0');
    this.upsert = this.db.prepare(
      'INSERT INTO penny_batch_jobs (id, status, created_at, data, lease_until) VALUES (?, ?, ?, ?, 0) ON CONFLICT(id) DO UPDATE SET status = excluded.status, data = excluded.data, lease_until = 0',
    );
    this.one = this.db.prepare('SELECT data FROM penny_batch_jobs WHERE id = ?');
    this.inState = this.db.prepare(
      'SELECT data FROM penny_batch_jobs WHERE status = ? ORDER BY created_at, id LIMIT ?',
    );
    this.free = this.db.prepare(
      'SELECT id, data FROM penny_batch_jobs WHERE status = ? AND lease_until <= ? ORDER BY created_at, id LIMIT ?',
    );
    this.lease = this.db.prepare('UPDATE penny_batch_jobs SET lease_until = ? WHERE id = ?');
    this.unlease = this.db.prepare('UPDATE penny_batch_jobs SET lease_until = 0 WHERE id = ?');
    // IMMEDIATE: the write lock is taken before reading, so two processes sharing the file never both lease a job.
    const tx = this.db.transaction((status: JobStatus, limit: number, leaseMs: number) => {
      const now = Date.now();
      const rows = this.free.all(status, now, limit) as Array<{ id: string; data: string }>;
      for (const r of rows) this.lease.run(now + leaseMs, r.id);
      return rows.map((r) => JSON.parse(r.data) as Job);
    });
    this.claimTx = (status, limit, leaseMs) => tx.immediate(status, limit, leaseMs);
  }

  async put(job: Job): Promise<void> {
    this.upsert.run(job.id, job.status, job.createdAt, JSON.stringify(job));
  }

  async get(id: string): Promise<Job | undefined> {
    const row = this.one.get(id) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as Job) : undefined;
  }

  async byStatus(status: JobStatus, limit: number): Promise<Job[]> {
    return (this.inState.all(status, limit) as Array<{ data: string }>).map((r) => JSON.parse(r.data) as Job);
  }

  async claim(status: JobStatus, limit: number, leaseMs: number): Promise<Job[]> {
    return this.claimTx(status, limit, leaseMs);
  }

  async release(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.unlease.run(id);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
