/**
 * A deferred request (Batch API): queued when the client gets its 202, submitted with others as one provider
 * batch, then completed (the answer kept in the client's dialect) or failed (the reason kept). Every state is
 * stored, so a restart resumes each job where it was.
 */
import type { CanonicalRequest, Dialect } from '../../core/request.js';
import type { JobReservation } from './job-budget.js';

export type JobStatus = 'queued' | 'submitted' | 'completed' | 'failed';

export interface Job {
  id: string;
  /** Fingerprint of the credential that created the job; only it may read the job. */
  owner: string;
  status: JobStatus;
  createdAt: number;
  updatedAt: number;
  /** The gateway request that queued it (its 202 ledger entry). */
  requestId: string;
  feature: string | null;
  user: string | null;
  keyId: string | null;
  dialect: Dialect;
  request: CanonicalRequest;
  /** Provider (config name) and model the batch goes to. */
  provider: string;
  model: string;
  /** Submissions so far (an expired or refused line is queued again until `maxAttempts`). */
  attempts: number;
  providerBatchId?: string;
  /** The answer in the client's dialect (status `completed`). */
  response?: unknown;
  /** Why it failed (status `failed`), or the last transient problem. */
  error?: string;
  completedAt?: number;
  webhook?: string;
  /** What the job holds on the budgets from its enqueue until it is answered or fails (job-budget.ts). */
  reservation?: JobReservation;
}
