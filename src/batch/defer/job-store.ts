/**
 * Where deferred jobs are kept. One interface, one contract suite (job-store.contract.ts) run on every
 * backend: memory (tests), SQLite (default, beside the ledger).
 */
import type { Job, JobStatus } from './job.js';

export interface JobStore {
  put(job: Job): Promise<void>;
  get(id: string): Promise<Job | undefined>;
  /** Jobs in a state, oldest first, at most `limit`. */
  byStatus(status: JobStatus, limit: number): Promise<Job[]>;
  close(): Promise<void>;
}
