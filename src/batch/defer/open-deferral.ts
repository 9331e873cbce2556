/** Opens the deferral service with its configured job store (SQLite beside the ledger by default). */
import type { LoadedConfig } from '../../config/load.js';
import type { Logger } from '../../observability/logger.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import type { TargetResolver } from '../../providers/resolve-target.js';
import { Deferral } from './deferral.js';
import type { JobStore } from './job-store.js';
import { MemoryJobStore } from './memory-job-store.js';
import { SqliteJobStore } from './sqlite-job-store.js';

export function jobsPathFor(ledgerPath: string): string {
  return ledgerPath.endsWith('.db') ? `${ledgerPath.slice(0, -3)}.jobs.db` : `${ledgerPath}.jobs.db`;
}

export function openDeferral(opts: {
  loaded: LoadedConfig;
  catalog: PriceCatalog;
  logger: Logger;
  resolver: TargetResolver;
}): Deferral {
  const cfg = opts.loaded.config.batchJobs;
  const store: JobStore =
    cfg.store === 'memory' || opts.loaded.ledgerPath === ':memory:'
      ? new MemoryJobStore()
      : new SqliteJobStore(cfg.path ?? jobsPathFor(opts.loaded.ledgerPath));
  return new Deferral({ ...opts, store, config: cfg });
}
