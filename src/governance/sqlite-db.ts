/**
 * Opens the governance SQLite file (keys, budgets set by the CLI, counters), WAL, with a busy timeout so
 * several gateways and the CLI on one machine wait for each other's short transactions instead of failing.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { sqliteCheckpointer } from '../core/sqlite-checkpointer.js';

export function openGovernanceDb(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // WAL checkpoints run in a worker thread, not inside a reservation's commit (a closed connection is dropped).
  sqliteCheckpointer.watch(db, path);
  return db;
}

/** The default governance file: `governance.db` beside the ledger. */
export function governanceDbPathFor(ledgerPath: string): string {
  return join(dirname(ledgerPath), 'governance.db');
}
