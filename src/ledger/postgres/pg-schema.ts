/**
 * The PostgreSQL ledger schema, as versioned migrations (see src/postgres/migrate.ts). Money columns are
 * BIGINT picodollars (NULL = unknown, never 0); PostgreSQL's SUM over BIGINT returns NUMERIC, so totals are
 * exact however many rows they add up. `savings` is JSONB whose amounts are decimal strings (exact when
 * cast to NUMERIC); `meta` is JSONB so reports can aggregate its fields in SQL. `id` is unique: a replayed or retried batch inserts each request once
 * (`ON CONFLICT (id) DO NOTHING`). `seq` keeps insertion order for ties on `ts`.
 */
import type { Migrations } from '../../postgres/migrate.js';
import { MODEL_EXPR, TABLE } from './pg-names.js';
import {
  BREAKER_STATS_MIGRATION,
  DAILY_ROLLUP_MIGRATION,
  ROLLUP_MIGRATION,
  WEEKLY_USER_ROLLUP_MIGRATION,
} from './pg-rollup.js';

export { MODEL_EXPR, TABLE };

export const LEDGER_MIGRATIONS: Migrations = {
  component: 'ledger',
  steps: [
    // v1
    `CREATE TABLE {schema}.${TABLE} (
      seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      id TEXT NOT NULL,
      ts BIGINT NOT NULL,
      feature TEXT,
      user_name TEXT,
      key_id TEXT,
      dialect TEXT NOT NULL,
      provider TEXT,
      requested_model TEXT NOT NULL,
      served_model TEXT,
      stream BOOLEAN NOT NULL,
      simulated BOOLEAN NOT NULL,
      input_uncached BIGINT NOT NULL,
      cache_read BIGINT NOT NULL,
      cache_write_5m BIGINT NOT NULL,
      cache_write_1h BIGINT NOT NULL,
      output_text BIGINT NOT NULL,
      reasoning BIGINT NOT NULL,
      usage_estimated BOOLEAN NOT NULL,
      cost BIGINT,
      baseline_cost BIGINT,
      savings_total NUMERIC NOT NULL,
      savings JSONB NOT NULL,
      flags JSONB NOT NULL,
      latency_ms DOUBLE PRECISION NOT NULL,
      ttft_ms DOUBLE PRECISION,
      status TEXT NOT NULL,
      http_status INTEGER NOT NULL,
      error_class TEXT,
      meta JSONB,
      CONSTRAINT ${TABLE}_id_key UNIQUE (id)
    );
    CREATE INDEX ${TABLE}_ts ON {schema}.${TABLE} (ts);
    CREATE INDEX ${TABLE}_feature_ts ON {schema}.${TABLE} (feature, ts);
    CREATE INDEX ${TABLE}_user_ts ON {schema}.${TABLE} (user_name, ts);
    CREATE INDEX ${TABLE}_model_ts ON {schema}.${TABLE} ((${MODEL_EXPR}), ts);`,
    // v2: hourly rollups for reports (pg-rollup.ts), backfilled from the entries already stored.
    ROLLUP_MIGRATION,
    // v3: daily rollups, and the daily user × key rollup (the report's "by user" section).
    DAILY_ROLLUP_MIGRATION,
    // v4: the weekly user × key rollup (an all-time report by user reads weeks, not days).
    WEEKLY_USER_ROLLUP_MIGRATION,
    // v5: statistics on the breaker expression, so the report's breaker query reads its partial index.
    BREAKER_STATS_MIGRATION,
  ],
};
