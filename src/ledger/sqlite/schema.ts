/**
 * The SQLite ledger schema and its migrations, keyed on `PRAGMA user_version`: migration i brings the
 * file from version i to i + 1, each in its own transaction. Money columns hold INTEGER picodollars
 * (NULL = unknown, never 0); `savings` is JSON whose amounts are picodollar integers written as decimal
 * strings, because JSON numbers lose precision past 2^53 and strings CAST to INTEGER exactly in SQL.
 */
import type Database from 'better-sqlite3';

export const TABLE = 'ledger_entries';

/** The expression every model filter and group uses (and the v1 expression index matched verbatim). */
export const MODEL_EXPR = 'COALESCE(served_model, requested_model)';

const MIGRATIONS: readonly string[] = [
  // v1
  `CREATE TABLE ${TABLE} (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    feature TEXT,
    user_name TEXT,
    key_id TEXT,
    dialect TEXT NOT NULL,
    provider TEXT,
    requested_model TEXT NOT NULL,
    served_model TEXT,
    stream INTEGER NOT NULL,
    simulated INTEGER NOT NULL,
    input_uncached INTEGER NOT NULL,
    cache_read INTEGER NOT NULL,
    cache_write_5m INTEGER NOT NULL,
    cache_write_1h INTEGER NOT NULL,
    output_text INTEGER NOT NULL,
    reasoning INTEGER NOT NULL,
    usage_estimated INTEGER NOT NULL,
    cost INTEGER,
    baseline_cost INTEGER,
    savings_total INTEGER NOT NULL,
    savings TEXT NOT NULL,
    flags TEXT NOT NULL,
    latency_ms REAL NOT NULL,
    ttft_ms REAL,
    status TEXT NOT NULL,
    http_status INTEGER NOT NULL,
    error_class TEXT,
    meta TEXT
  );
  CREATE INDEX ${TABLE}_ts ON ${TABLE} (ts);
  CREATE INDEX ${TABLE}_feature_ts ON ${TABLE} (feature, ts);
  CREATE INDEX ${TABLE}_user_ts ON ${TABLE} (user_name, ts);
  CREATE INDEX ${TABLE}_model_ts ON ${TABLE} (${MODEL_EXPR}, ts);
  CREATE INDEX ${TABLE}_id ON ${TABLE} (id);`,
  // v2: every index is written on every request's insert, so each must serve a query. Time (reports, the
  // dashboard), feature + time (the dashboard's drill-down, feature stats, route calibration, fine-tune
  // export, break-even) and id (feedback by request id) do; nothing in Penny filters by user or by model.
  // The user index was the dearest to write: thousands of distinct users make each insert a write in the
  // middle of a B-tree (29 → 8 µs of CPU per entry without both, 2,000 users, 200k entries; bench/
  // ledger-insert.ts). The model index even slowed reports down: SQLite chose it for every GROUP BY model,
  // a whole-ledger walk in index order with a table lookup per row, over the time index and over a plain
  // scan (`penny report` on 1 M entries 27 → 14 s; bench/sqlite-report.ts). A library caller's filter by
  // user or model still answers, from the time index or a scan (0.7 → 270 ms for one user over 1 M).
  `DROP INDEX IF EXISTS ${TABLE}_user_ts;
  DROP INDEX IF EXISTS ${TABLE}_model_ts;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database to SCHEMA_VERSION; refuses a file written by a newer schema. */
export function migrate(db: Database.Database): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `ledger database ${db.name} has schema version ${current}, newer than this build knows (${SCHEMA_VERSION}); upgrade Penny`,
    );
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    const step = db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    });
    step.immediate();
  }
}
