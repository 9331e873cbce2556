/**
 * Opens the batch pass-through with its store, kept where the deferred jobs are (batchStoreKind):
 * PostgreSQL when the ledger is (same database and schema), else the SQLite jobs file beside the ledger.
 */
import { jobsPathFor, batchStoreKind } from '../defer/open-deferral.js';
import { BatchPassthrough, type PassthroughDeps } from './batch-passthrough.js';
import { MemoryPassthroughStore } from './memory-passthrough-store.js';
import type { PassthroughStore } from './passthrough-store.js';
import { PgPassthroughStore } from './pg-passthrough-store.js';
import { SqlitePassthroughStore } from './sqlite-passthrough-store.js';

export function openPassthrough(deps: Omit<PassthroughDeps, 'store' | 'maxUploadBytes'>): BatchPassthrough {
  const { loaded, logger } = deps;
  const cfg = loaded.config.batchJobs;
  const kind = batchStoreKind(loaded);
  let store: PassthroughStore;
  if (kind === 'postgres' && loaded.ledgerUrl) {
    const schema = loaded.config.ledger.schema;
    store = new PgPassthroughStore({
      url: loaded.ledgerUrl,
      ...(schema ? { schema } : {}),
      onError: (e) => logger.warn('batch pass-through: PostgreSQL connection error', { error: e.message }),
    });
  } else if (kind === 'memory') store = new MemoryPassthroughStore();
  else store = new SqlitePassthroughStore(cfg.path ?? jobsPathFor(loaded.ledgerPath));
  return new BatchPassthrough({ ...deps, store, maxUploadBytes: cfg.maxUploadBytes });
}
