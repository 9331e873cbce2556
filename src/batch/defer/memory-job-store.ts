/** Deferred jobs in memory (tests; lost on restart). */
import type { Job, JobStatus } from './job.js';
import type { JobStore } from './job-store.js';

export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, string>();
  /** Job id → lease end (ms since epoch). */
  private readonly leases = new Map<string, number>();

  async put(job: Job): Promise<void> {
    this.jobs.set(job.id, JSON.stringify(job));
    this.leases.delete(job.id);
  }

  async get(id: string): Promise<Job | undefined> {
    const s = this.jobs.get(id);
    return s === undefined ? undefined : (JSON.parse(s) as Job);
  }

  async byStatus(status: JobStatus, limit: number): Promise<Job[]> {
    const out: Job[] = [];
    for (const s of this.jobs.values()) {
      const j = JSON.parse(s) as Job;
      if (j.status === status) out.push(j);
    }
    return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)).slice(0, limit);
  }

  async claim(status: JobStatus, limit: number, leaseMs: number): Promise<Job[]> {
    const now = Date.now();
    const free = (await this.byStatus(status, Number.MAX_SAFE_INTEGER)).filter(
      (j) => (this.leases.get(j.id) ?? 0) <= now,
    );
    const out = free.slice(0, limit);
    for (const j of out) this.leases.set(j.id, now + leaseMs);
    return out;
  }

  async release(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.leases.delete(id);
  }

  async close(): Promise<void> {}
}
