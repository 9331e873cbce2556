/**
 * The quality SQLite file (`quality.db` beside the ledger): experiment stops, feedback, evaluations and
 * guardrail switches. WAL with a busy timeout, so the CLI and several gateways on one machine share it.
 * Migrations are keyed on `PRAGMA user_version` like the ledger's.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';

const MIGRATIONS: readonly string[] = [
  // v1
  `CREATE TABLE experiment_stops (
     name TEXT PRIMARY KEY,
     arm TEXT NOT NULL,
     stopped_at INTEGER NOT NULL
   );
   CREATE TABLE feedback (
     request_id TEXT PRIMARY KEY,
     key_id TEXT,
     ts INTEGER NOT NULL,
     score REAL,
     label TEXT,
     thumbs TEXT,
     comment TEXT
   );
   CREATE TABLE evaluations (
     request_id TEXT PRIMARY KEY,
     evaluation_id TEXT,
     ts INTEGER NOT NULL,
     feature TEXT NOT NULL,
     tactic TEXT NOT NULL,
     arm TEXT,
     verdict TEXT NOT NULL,
     method TEXT NOT NULL,
     score REAL,
     error TEXT
   );
   CREATE INDEX evaluations_feature_ts ON evaluations (feature, tactic, ts);
   CREATE TABLE guard_switches (
     seq INTEGER PRIMARY KEY,
     ts INTEGER NOT NULL,
     feature TEXT NOT NULL,
     tactic TEXT NOT NULL,
     mode TEXT NOT NULL,
     agree INTEGER NOT NULL,
     n INTEGER NOT NULL,
     lower REAL NOT NULL,
     floor REAL NOT NULL
   );`,
];

export function qualityDbPathFor(ledgerPath: string): string {
  return join(dirname(ledgerPath), 'quality.db');
}

export function openQualityDb(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > MIGRATIONS.length)
    throw new Error(
      `quality database ${path} has schema version ${current}, newer than this build knows (${MIGRATIONS.length}); upgrade Penny`,
    );
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  return db;
}
