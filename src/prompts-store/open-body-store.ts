/**
 * Opens the body store the configuration implies: in PostgreSQL (the ledger's database and schema) when the
 * ledger is PostgreSQL, so every instance shares it; otherwise the SQLite file beside the ledger.
 */
import { existsSync } from 'node:fs';
import type { LoadedConfig } from '../config/load.js';
import { bodiesPathFor } from './body-path.js';
import type { BodyStore } from './body-store.js';
import { PgBodyStore } from './pg-body-store.js';
import { SqliteBodyStore } from './sqlite-body-store.js';

export interface OpenBodyStoreOptions {
  /** For exports: never creates a SQLite file (null when there is none). */
  reader?: boolean;
  onError?: (err: unknown) => void;
}

export async function openBodyStore(
  loaded: LoadedConfig,
  opts: OpenBodyStoreOptions = {},
): Promise<BodyStore | null> {
  const flushIntervalMs = loaded.config.ledger.flushIntervalMs;
  const onError = opts.onError ? { onError: opts.onError } : {};
  if (loaded.ledgerUrl) {
    const schema = loaded.config.ledger.schema;
    return PgBodyStore.open({
      url: loaded.ledgerUrl,
      ...(schema ? { schema } : {}),
      flushIntervalMs,
      ...onError,
    });
  }
  const path = bodiesPathFor(loaded.ledgerPath);
  if (opts.reader) return existsSync(path) ? SqliteBodyStore.open(path, { readonly: true }) : null;
  return SqliteBodyStore.open(path, { flushIntervalMs, ...onError });
}
