/**
 * Opens the quality stores beside the configured ledger: PostgreSQL tables in the ledger's schema when the
 * ledger is PostgreSQL, else `quality.db` beside the SQLite ledger file. The gateway and the CLI open them
 * here, so `penny experiments stop` and a running gateway see the same state.
 */
import type { LoadedConfig } from '../config/load.js';
import { openPgQualityStores } from './postgres/pg-quality-stores.js';
import type { QualityStores } from './quality-stores.js';
import { openQualityDb, qualityDbPathFor } from './sqlite/quality-db.js';
import { sqliteQualityStores } from './sqlite/sqlite-quality-stores.js';

export async function openQualityStores(
  loaded: LoadedConfig,
  onError?: (e: Error) => void,
): Promise<QualityStores> {
  if (loaded.ledgerUrl)
    return openPgQualityStores({
      url: loaded.ledgerUrl,
      ...(loaded.config.ledger.schema ? { schema: loaded.config.ledger.schema } : {}),
      ...(onError ? { onError } : {}),
    });
  return sqliteQualityStores(openQualityDb(qualityDbPathFor(loaded.ledgerPath)));
}
