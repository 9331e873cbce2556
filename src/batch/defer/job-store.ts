/**
 * Where deferred jobs are kept. One interface, one contract suite (job-store.contract.ts) run on every
 * backend: memory (tests), SQLite (default, beside the ledger), PostgreSQL (when the ledger is, shared by
 * every instance). Instances sharing a store take work by lease: `claim` hands a job to one caller until its
 * lease ends or the holder writes (`put`) or gives it back (`release`), so no job is submitted twice.
 */
import type { Job, JobStatus } from './job.js';

export interface JobStore {
  /** Writes the job (insert or replace) and ends any lease on it. */
  put(job: Job): Promise<void>;
  get(id: string): Promise<Job | undefined>;
  /** Jobs in a state, oldest first, at most `limit` (leased or not). */
  byStatus(status: JobStatus, limit: number): Promise<Job[]>;
  /**
   * Leases up to `limit` jobs in `status` that no live lease holds, oldest first, for `leaseMs`. Concurrent
   * callers (in this process or another sharing the store) never receive the same job while its lease lives.
   */
  claim(status: JobStatus, limit: number, leaseMs: number): Promise<Job[]>;
  /** Ends the leases on these jobs without changing them. */
  release(ids: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
