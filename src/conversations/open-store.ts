/**
 * Opens the configured conversation store (config `responses`): PostgreSQL by default when the ledger is
 * PostgreSQL (several instances then share the conversations), else a SQLite file beside the ledger.
 */
import type { LoadedConfig } from '../config/load.js';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../observability/logger.js';
import { MemoryResponseStore } from './memory-response-store.js';
import { PgResponseStore } from './pg-response-store.js';
import type { ResponseStore } from './response-store.js';
import { ResponsesState } from './responses-state.js';
import { SqliteResponseStore, responsesPathFor } from './sqlite-response-store.js';

export async function openResponseStore(loaded: LoadedConfig): Promise<ResponseStore> {
  const cfg = loaded.config.responses;
  const ttlMs = cfg.ttlDays * 86_400_000;
  const store = cfg.store ?? (loaded.ledgerUrl ? 'postgres' : 'sqlite');
  if (store === 'memory') return new MemoryResponseStore(ttlMs);
  if (store === 'postgres') {
    if (!loaded.ledgerUrl) {
      throw new ConfigError(
        'responses.store',
        'responses.store "postgres" uses the ledger\'s database: set ledger.url or PENNY_DATABASE_URL',
      );
    }
    const schema = loaded.config.ledger.schema;
    return PgResponseStore.open({ url: loaded.ledgerUrl, ttlMs, ...(schema ? { schema } : {}) });
  }
  return SqliteResponseStore.open(cfg.path ?? responsesPathFor(loaded.ledgerPath), ttlMs);
}

export async function openResponsesState(loaded: LoadedConfig, logger: Logger): Promise<ResponsesState> {
  return new ResponsesState(await openResponseStore(loaded), logger);
}
