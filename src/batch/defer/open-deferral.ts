/**
 * Opens the deferral service with its job store: PostgreSQL when the ledger is (same database and schema),
 * else SQLite beside the ledger, unless `batchJobs.store` says otherwise.
 */
import type { LoadedConfig } from '../../config/load.js';
import { ConfigError } from '../../core/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import type { TargetResolver } from '../../providers/resolve-target.js';
import type { Governance } from '../../governance/governance.js';
import { Deferral } from './deferral.js';
import type { JobStore } from './job-store.js';
import { MemoryJobStore } from './memory-job-store.js';
import { PgJobStore } from './pg-job-store.js';
import { SqliteJobStore } from './sqlite-job-store.js';

export function jobsPathFor(ledgerPath: string): string {
  return ledgerPath.endsWith('.db') ? `${ledgerPath.slice(0, -3)}.jobs.db` : `${ledgerPath}.jobs.db`;
}

/** Where batch state is kept: `batchJobs.store`, else PostgreSQL when the ledger is, else SQLite (memory for :memory:). */
export function batchStoreKind(loaded: LoadedConfig): 'postgres' | 'sqlite' | 'memory' {
  const { ledgerUrl, ledgerPath, config } = loaded;
  const kind =
    config.batchJobs.store ?? (ledgerUrl ? 'postgres' : ledgerPath === ':memory:' ? 'memory' : 'sqlite');
  if (kind === 'postgres' && !ledgerUrl)
    throw new ConfigError(
      'batchJobs.store',
      '"postgres" needs the ledger in PostgreSQL (ledger.url or PENNY_DATABASE_URL)',
    );
  return kind === 'sqlite' && ledgerPath === ':memory:' ? 'memory' : kind;
}

export function openDeferral(opts: {
  loaded: LoadedConfig;
  catalog: PriceCatalog;
  logger: Logger;
  resolver: TargetResolver;
  gov?: Governance;
}): Deferral {
  const cfg = opts.loaded.config.batchJobs;
  const { ledgerUrl, ledgerPath, config } = opts.loaded;
  const kind = batchStoreKind(opts.loaded);
  let store: JobStore;
  if (kind === 'postgres' && ledgerUrl) {
    const schema = config.ledger.schema;
    store = new PgJobStore({
      url: ledgerUrl,
      ...(schema ? { schema } : {}),
      onError: (e) => opts.logger.warn('batch jobs: PostgreSQL connection error', { error: e.message }),
    });
  } else if (kind === 'memory') store = new MemoryJobStore();
  else store = new SqliteJobStore(cfg.path ?? jobsPathFor(ledgerPath));
  return new Deferral({ ...opts, store, config: cfg });
}
