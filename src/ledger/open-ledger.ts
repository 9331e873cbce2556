/**
 * Opens the ledger the configuration names: PostgreSQL when `ledger.url` / PENNY_DATABASE_URL is set,
 * otherwise the SQLite file at `ledgerPath`. `penny serve`, the reporting commands and the library all
 * resolve it here, so they read and write the same store.
 */
import { dirname, join, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { redactUrl } from '../postgres/pool.js';
import type { Ledger } from './ledger.js';
import { PostgresLedger } from './postgres/pg-ledger.js';
import { SqliteLedger } from './sqlite/sqlite-ledger.js';

export interface OpenLedgerOptions {
  /** Opened by a reporting command: never replays spill files (only serving instances do). */
  reader?: boolean;
  onError?: (err: unknown) => void;
  onInfo?: (message: string, detail: Record<string, unknown>) => void;
}

/** Where a PostgreSQL ledger spills while the database is unreachable. */
export function spillDirFor(loaded: LoadedConfig): string {
  const configured = loaded.config.ledger.spillDir;
  return configured ? resolve(configured) : join(dirname(loaded.ledgerPath), 'spill');
}

export async function openConfiguredLedger(
  loaded: LoadedConfig,
  opts: OpenLedgerOptions = {},
): Promise<Ledger> {
  const c = loaded.config.ledger;
  const hooks = {
    ...(opts.onError ? { onError: opts.onError } : {}),
    ...(opts.onInfo ? { onInfo: opts.onInfo } : {}),
  };
  if (loaded.ledgerUrl) {
    return PostgresLedger.open({
      url: loaded.ledgerUrl,
      ...(c.schema ? { schema: c.schema } : {}),
      spillDir: spillDirFor(loaded),
      flushIntervalMs: c.flushIntervalMs,
      batchSize: c.batchSize,
      maxBuffered: c.maxBuffered,
      ...(opts.reader ? { reader: true } : {}),
      ...hooks,
    });
  }
  return SqliteLedger.open(loaded.ledgerPath, {
    flushIntervalMs: c.flushIntervalMs,
    batchSize: c.batchSize,
    // Readers (reports, the CLI) neither write nor replay a journal: a live server's files stay its own.
    ...(c.journal && !opts.reader ? { journal: true } : {}),
    ...(opts.onError ? { onError: opts.onError } : {}),
  });
}

/** A short, password-free description of the store, for start-up messages. */
export function describeLedger(loaded: LoadedConfig): string {
  if (!loaded.ledgerUrl) return loaded.ledgerPath;
  return `${redactUrl(loaded.ledgerUrl)} (PostgreSQL, schema ${loaded.config.ledger.schema ?? 'public'})`;
}

/** Whether the ledger's store answers: PostgreSQL is pinged; an embedded store is reachable while open. */
export async function ledgerReachable(ledger: Ledger): Promise<boolean> {
  if (ledger instanceof PostgresLedger) return ledger.ping();
  return true;
}
