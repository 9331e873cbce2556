/** Deferred jobs in a SQLite file (default: beside the ledger, `ledger.db` → `ledger.jobs.db`). */
import Database from 'better-sqlite3';
import type { Job, JobStatus } from './job.js';
import type { JobStore } from './job-store.js';

export class SqliteJobStore implements JobStore {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly one: Database.Statement;
  private readonly inState: Database.Statement;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS penny_batch_jobs (
         id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at INTEGER NOT NULL, data TEXT NOT NULL);
       CREATE INDEX IF NOT EXISTS penny_batch_jobs_status ON penny_batch_jobs (status, created_at);`,
    );
    this.upsert = this.db.prepare(
      'INSERT INTO penny_batch_jobs (id, status, created_at, data) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET status = excluded.status, data = excluded.data',
    );
    this.one = this.db.prepare('SELECT data FROM penny_batch_jobs WHERE id = ?');
    this.inState = this.db.prepare(
      'SELECT data FROM penny_batch_jobs WHERE status = ? ORDER BY created_at, id LIMIT ?',
    );
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

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
