/**
 * Batch-API deferral: per feature `features.<name>.defer: batch` (or the header `x-penny-defer: batch`), and
 * the submitter's settings under `batchJobs` at the top level.
 */
import { z } from 'zod';

export const deferFeatureSchema = z.literal('batch', {
  error: 'the only deferral is "batch" (the providers\' Batch APIs)',
});

export const batchJobsSchema = z.strictObject({
  /**
   * Where jobs are kept: PostgreSQL when the ledger is (its database and schema, shared by every instance),
   * else a SQLite file beside the ledger; `memory` loses them on restart. Unset = chosen from the ledger.
   */
  store: z.enum(['postgres', 'sqlite', 'memory']).optional(),
  /** SQLite file; default: beside the ledger (`ledger.db` → `ledger.jobs.db`). */
  path: z.string().min(1).optional(),
  /** How often queued jobs are sent as a provider batch, ms. */
  submitEveryMs: z.number().int().min(10).default(5_000),
  /** How often submitted batches are polled, ms. */
  pollEveryMs: z.number().int().min(10).default(30_000),
  /** Submissions of one job before an expired or failed line is reported failed. */
  maxAttempts: z.number().int().min(1).max(20).default(3),
  /** How long an instance holds the jobs it is submitting or polling before another may take them, ms. */
  leaseMs: z.number().int().min(1_000).default(300_000),
  /**
   * Batch pass-through (`/v1/files`, `/v1/batches`, `/v1/messages/batches`): the largest upload or batch
   * creation body streamed to the provider, bytes (OpenAI takes batch input files up to 200 MB).
   */
  maxUploadBytes: z
    .number()
    .int()
    .min(1024)
    .max(2 ** 40)
    .default(200 * 1024 * 1024),
  /** Most jobs in one provider batch. */
  maxJobsPerBatch: z.number().int().min(1).max(50_000).default(10_000),
});

export type BatchJobsConfig = z.output<typeof batchJobsSchema>;
