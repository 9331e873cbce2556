/** Deferred jobs in memory (tests; lost on restart). */
import type { Job, JobStatus } from './job.js';
import type { JobStore } from './job-store.js';

export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, string>();

  async put(job: Job): Promise<void> {
    this.jobs.set(job.id, JSON.stringify(job));
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
    return out.sort((a, b) => a.createdAt - b.createdAt).slice(0, limit);
  }

  async close(): Promise<void> {}
}
