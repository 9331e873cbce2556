/**
 * Hourly rollups of the PostgreSQL ledger, so `penny report` and the dashboard read thousands of rows
 * instead of millions. Three tables, all keyed on the UTC hour (`ts / 3600000`):
 *
 * - `ledger_rollup`: hour × feature × model (served, else requested) × provider × status → counts, token
 *   sums and exact money sums (NUMERIC picodollars), plus how many prompts Penny marked for caching;
 * - `ledger_rollup_tactics`: the same key × tactic → Σ savings;
 * - `ledger_rollup_cache`: hour × feature × response-cache status × kind → requests and Σ cache.* savings;
 * - `ledger_rollup_users`: UTC day × user × key → counts, token and money sums (a day, not an hour: a fleet
 *   has thousands of users, and hour × user would hold nearly as many rows as the entries).
 *
 * They are maintained in the transaction that stores the entries: new batches upsert deltas added up in
 * process (pg-rollup-delta.ts) after their COPY; replays and retries use `rollupInsertSql`, where the
 * entries the INSERT really added (`RETURNING`, so a replayed or retried batch adds nothing twice) are
 * grouped and upserted in the same statement. Rows are upserted in key order, so two instances writing the
 * same hours lock them in the same order and cannot deadlock each other.
 *
 * A read whose filter and grouping the rollup can answer (no `user` filter, no `user`/`key` grouping)
 * takes the whole hours of its range from the rollup and the partial hours at its edges from the raw
 * rows, and adds the two exactly. A read by user or key (filter: time and user only; grouping: user, key,
 * day) does the same with whole days of the user rollup. Anything else reads the raw rows. Migrations v2
 * and v3 create the tables and backfill them from the entries already stored.
 */
import type { GroupKey, LedgerFilter } from '../ledger.js';
import { DAY_MS, MODEL_EXPR, TABLE } from './pg-names.js';

export const HOUR_MS = 3_600_000;
export const ROLLUP = 'ledger_rollup';
export const ROLLUP_TACTICS = 'ledger_rollup_tactics';
export const ROLLUP_CACHE = 'ledger_rollup_cache';
export const ROLLUP_USERS = 'ledger_rollup_users';

/** A rollup's time bucket: hourly tables (column `hour`) and their daily twins (column `day`, `_daily`). */
export interface Grain {
  bucket: 'hour' | 'day' | 'week';
  unit: number;
  suffix: '' | '_daily' | '_weekly';
}
export const HOURLY: Grain = { bucket: 'hour', unit: HOUR_MS, suffix: '' };
export const DAILY: Grain = { bucket: 'day', unit: DAY_MS, suffix: '_daily' };
/** Weeks of 7 days from the epoch (Thursdays): only the user rollup has them. */
export const WEEKLY: Grain = { bucket: 'week', unit: 7 * DAY_MS, suffix: '_weekly' };
/** The grains of the feature × model rollups (the user rollup has DAILY and WEEKLY). */
export const GRAINS = [HOURLY, DAILY];

/** The rollup table of a family (ROLLUP, ROLLUP_TACTICS, ROLLUP_CACHE) at a grain. */
export function rollupTable(base: string, grain: Grain): string {
  return `${base}${grain.suffix}`;
}

export const keyOf = (g: Grain) => `${g.bucket}, feature, model, provider, status`;

/** An entry counts as "prompt cached" (the report's caching section) under exactly this condition. */
export const PROMPT_CACHED_EXPR = `((jsonb_typeof(meta->'promptCache'->'placed') = 'array' AND jsonb_array_length(meta->'promptCache'->'placed') > 0)
          OR COALESCE(meta->'promptCache'->>'promptCacheKey', '') <> '')`;

/** Σ of an entry's cache.* savings (NULL when none). */
const CACHE_SAVED_EXPR = `(SELECT SUM(s.value::numeric) FROM jsonb_each_text(savings) AS s WHERE s.key LIKE 'cache.%')`;

/** The breaker condition of pg-cache-meta.ts, verbatim, so the partial index below serves it. */
const BREAKER_COND_EXPR = `COALESCE(meta->'promptCache'->'breaker'->>'kind', '')`;
export const BREAKER_COND = `${BREAKER_COND_EXPR} <> ''`;

/** The aggregates of one group of entries (`src`), in rollup column order. */
const ROLLUP_SUMS = `COUNT(*), SUM(input_uncached), SUM(cache_read), SUM(cache_write_5m + cache_write_1h),
  SUM(output_text), SUM(reasoning), COALESCE(SUM(cost), 0), COUNT(*) FILTER (WHERE cost IS NULL),
  COALESCE(SUM(baseline_cost), 0), SUM(savings_total), COUNT(*) FILTER (WHERE ${PROMPT_CACHED_EXPR})`;
export const ROLLUP_ADD_COLUMNS = [
  'requests',
  'input_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'output_tokens',
  'reasoning_tokens',
  'cost',
  'unpriced',
  'baseline_cost',
  'savings',
  'prompt_cached',
];
const rollupColumns = (g: Grain) => `${keyOf(g)}, ${ROLLUP_ADD_COLUMNS.join(', ')}`;

/** Upserts of the three rollups at one grain from a relation `src` of entry rows that has a `model` column. */
function rollupUpserts(schema: string, src: string, g: Grain = HOURLY): string[] {
  const main = rollupTable(ROLLUP, g);
  const tactics = rollupTable(ROLLUP_TACTICS, g);
  const cache = rollupTable(ROLLUP_CACHE, g);
  const add = ROLLUP_ADD_COLUMNS.map((c) => `${c} = ${main}.${c} + EXCLUDED.${c}`).join(', ');
  return [
    `INSERT INTO ${schema}.${main} (${rollupColumns(g)})
     SELECT ts / ${g.unit}, feature, model, provider, status, ${ROLLUP_SUMS}
     FROM ${src} GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
     ON CONFLICT ON CONSTRAINT ${main}_key DO UPDATE SET ${add}`,
    `INSERT INTO ${schema}.${tactics} (${keyOf(g)}, tactic, amount)
     SELECT ts / ${g.unit}, feature, model, provider, status, s.key, SUM(s.value::numeric)
     FROM ${src} CROSS JOIN LATERAL jsonb_each_text(savings) AS s
     GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
     ON CONFLICT ON CONSTRAINT ${tactics}_key DO UPDATE SET amount = ${tactics}.amount + EXCLUDED.amount`,
    `INSERT INTO ${schema}.${cache} (${g.bucket}, feature, cache_status, cache_kind, requests, cache_saved)
     SELECT ts / ${g.unit}, feature, meta->'cache'->>'status', meta->'cache'->>'kind', COUNT(*),
       COALESCE(SUM(${CACHE_SAVED_EXPR}), 0)
     FROM ${src} WHERE meta->'cache'->>'status' IS NOT NULL
     GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
     ON CONFLICT ON CONSTRAINT ${cache}_key DO UPDATE SET requests = ${cache}.requests + EXCLUDED.requests,
       cache_saved = ${cache}.cache_saved + EXCLUDED.cache_saved`,
  ];
}

/** The daily rollups built from the hourly ones (migration v3's backfill: thousands of rows, not millions). */
function dailyFromHourly(schema: string): string[] {
  const sums = ROLLUP_ADD_COLUMNS.map((c) => `SUM(${c})`).join(', ');
  return [
    `INSERT INTO ${schema}.${rollupTable(ROLLUP, DAILY)} (${rollupColumns(DAILY)})
     SELECT hour / 24, feature, model, provider, status, ${sums}
     FROM ${schema}.${ROLLUP} GROUP BY 1, 2, 3, 4, 5`,
    `INSERT INTO ${schema}.${rollupTable(ROLLUP_TACTICS, DAILY)} (${keyOf(DAILY)}, tactic, amount)
     SELECT hour / 24, feature, model, provider, status, tactic, SUM(amount)
     FROM ${schema}.${ROLLUP_TACTICS} GROUP BY 1, 2, 3, 4, 5, 6`,
    `INSERT INTO ${schema}.${rollupTable(ROLLUP_CACHE, DAILY)} (day, feature, cache_status, cache_kind, requests, cache_saved)
     SELECT hour / 24, feature, cache_status, cache_kind, SUM(requests), SUM(cache_saved)
     FROM ${schema}.${ROLLUP_CACHE} GROUP BY 1, 2, 3, 4`,
  ];
}

/** CREATE TABLE of the three rollup families at one grain. */
function rollupTables(g: Grain): string {
  const main = rollupTable(ROLLUP, g);
  const tactics = rollupTable(ROLLUP_TACTICS, g);
  const cache = rollupTable(ROLLUP_CACHE, g);
  return `
  CREATE TABLE {schema}.${main} (
    ${g.bucket} BIGINT NOT NULL, feature TEXT, model TEXT NOT NULL, provider TEXT, status TEXT NOT NULL,
    requests BIGINT NOT NULL, input_tokens BIGINT NOT NULL, cache_read_tokens BIGINT NOT NULL,
    cache_write_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, reasoning_tokens BIGINT NOT NULL,
    cost NUMERIC NOT NULL, unpriced BIGINT NOT NULL, baseline_cost NUMERIC NOT NULL, savings NUMERIC NOT NULL,
    prompt_cached BIGINT NOT NULL,
    CONSTRAINT ${main}_key UNIQUE NULLS NOT DISTINCT (${keyOf(g)})
  );
  CREATE TABLE {schema}.${tactics} (
    ${g.bucket} BIGINT NOT NULL, feature TEXT, model TEXT NOT NULL, provider TEXT, status TEXT NOT NULL,
    tactic TEXT NOT NULL, amount NUMERIC NOT NULL,
    CONSTRAINT ${tactics}_key UNIQUE NULLS NOT DISTINCT (${keyOf(g)}, tactic)
  );
  CREATE TABLE {schema}.${cache} (
    ${g.bucket} BIGINT NOT NULL, feature TEXT, cache_status TEXT NOT NULL, cache_kind TEXT,
    requests BIGINT NOT NULL, cache_saved NUMERIC NOT NULL,
    CONSTRAINT ${cache}_key UNIQUE NULLS NOT DISTINCT (${g.bucket}, feature, cache_status, cache_kind)
  );`;
}

export const userKey = (g: Grain) => `${g.bucket}, user_name, key_id`;
const USER_VALUES = `requests, errors, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens,
  reasoning_tokens, cost, unpriced, baseline_cost, savings`;
const USER_SUMS = `COUNT(*), COUNT(*) FILTER (WHERE status = 'error'), SUM(input_uncached), SUM(cache_read),
  SUM(cache_write_5m + cache_write_1h), SUM(output_text), SUM(reasoning), COALESCE(SUM(cost), 0),
  COUNT(*) FILTER (WHERE cost IS NULL), COALESCE(SUM(baseline_cost), 0), SUM(savings_total)`;
export const USER_VALUE_LIST = USER_VALUES.split(',').map((c) => c.trim());
const USER_VALUE_SUMS = USER_VALUE_LIST.map((c) => `SUM(${c})`).join(', ');

/** The user × key rollup table at a grain: `ledger_rollup_users` (daily) or `ledger_rollup_users_weekly`. */
export function userRollupTable(g: Grain): string {
  return g === DAILY ? ROLLUP_USERS : `${ROLLUP_USERS}${g.suffix}`;
}

/** Upsert of the user rollup at a grain from a relation `src` of entry rows (key order, like the others). */
function userRollupUpsert(schema: string, src: string, g: Grain = DAILY): string {
  const users = userRollupTable(g);
  const add = USER_VALUE_LIST.map((c) => `${c} = ${users}.${c} + EXCLUDED.${c}`).join(', ');
  return `INSERT INTO ${schema}.${users} (${userKey(g)}, ${USER_VALUES})
     SELECT ts / ${g.unit}, user_name, key_id, ${USER_SUMS}
     FROM ${src} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
     ON CONFLICT ON CONSTRAINT ${users}_key DO UPDATE SET ${add}`;
}

function userRollupTableSql(g: Grain): string {
  const users = userRollupTable(g);
  return `
  CREATE TABLE {schema}.${users} (
    ${g.bucket} BIGINT NOT NULL, user_name TEXT, key_id TEXT,
    requests BIGINT NOT NULL, errors BIGINT NOT NULL, input_tokens BIGINT NOT NULL,
    cache_read_tokens BIGINT NOT NULL, cache_write_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL,
    reasoning_tokens BIGINT NOT NULL, cost NUMERIC NOT NULL, unpriced BIGINT NOT NULL,
    baseline_cost NUMERIC NOT NULL, savings NUMERIC NOT NULL,
    CONSTRAINT ${users}_key UNIQUE NULLS NOT DISTINCT (${userKey(g)})
  );`;
}

/** The columns the rollups read from an inserted entry. */
const RETURNING = `ts, feature, ${MODEL_EXPR} AS model, provider, status, user_name, key_id, input_uncached,
  cache_read, cache_write_5m, cache_write_1h, output_text, reasoning, cost, baseline_cost, savings_total,
  savings, meta`;

/**
 * One statement: the batch insert (skipping ids already stored) and the rollup upserts of exactly the
 * rows it inserted. `insert` is the plain `INSERT … ON CONFLICT (id) DO NOTHING`.
 */
export function rollupInsertSql(schema: string, insert: string): string {
  const upserts = [
    ...GRAINS.flatMap((g) => rollupUpserts(schema, 'ins', g)),
    userRollupUpsert(schema, 'ins', DAILY),
    userRollupUpsert(schema, 'ins', WEEKLY),
  ];
  const last = upserts.pop();
  return `WITH ins AS (${insert} RETURNING ${RETURNING}), ${upserts.map((u, i) => `u${i} AS (${u})`).join(', ')} ${last}`;
}

/**
 * Migration v2: the hourly rollup tables, backfilled from the stored entries, and the breaker partial
 * index. (Written against the hourly grain only: a migration never changes once released.)
 */
export const ROLLUP_MIGRATION = `${rollupTables(HOURLY)}
  -- Writers of an older build would add entries the backfill misses: hold them off until it commits.
  LOCK TABLE {schema}.${TABLE} IN SHARE MODE;
  ${rollupUpserts('{schema}', `(SELECT *, ${MODEL_EXPR} AS model FROM {schema}.${TABLE}) AS e`).join(';\n')};
  CREATE INDEX ${TABLE}_breaker ON {schema}.${TABLE} (ts) WHERE ${BREAKER_COND};`;

/**
 * Migration v3: the daily twins of the hourly rollups (backfilled from them) and the daily user × key
 * rollup (backfilled from the stored entries).
 */
export const DAILY_ROLLUP_MIGRATION = `${rollupTables(DAILY)}${userRollupTableSql(DAILY)}
  LOCK TABLE {schema}.${TABLE} IN SHARE MODE;
  ${dailyFromHourly('{schema}').join(';\n')};
  ${userRollupUpsert('{schema}', `{schema}.${TABLE}`)};`;

/**
 * Migration v4: the weekly user × key rollup, backfilled from the daily one (a month of 10k users is 50k
 * weekly rows instead of 310k daily ones).
 */
export const WEEKLY_USER_ROLLUP_MIGRATION = `${userRollupTableSql(WEEKLY)}
  LOCK TABLE {schema}.${TABLE} IN SHARE MODE;
  INSERT INTO {schema}.${userRollupTable(WEEKLY)} (${userKey(WEEKLY)}, ${USER_VALUES})
    SELECT day / 7, user_name, key_id, ${USER_VALUE_SUMS}
    FROM {schema}.${ROLLUP_USERS} GROUP BY 1, 2, 3;`;

/**
 * Migration v5: statistics on the breaker expression. The partial index on it (v2) has none, so the
 * planner guessed a third of the ledger had a breaker and scanned all of it (seconds at 10 M entries);
 * with them it knows how rare breakers are and reads the index.
 */
export const BREAKER_STATS_MIGRATION = `
  CREATE STATISTICS {schema}.${TABLE}_breaker_kind ON (${BREAKER_COND_EXPR}) FROM {schema}.${TABLE};
  -- An upgraded ledger with entries gets the statistics now; a young one when autovacuum analyzes it.
  DO $$ BEGIN
    IF (SELECT reltuples FROM pg_class WHERE oid = '{schema}.${TABLE}'::regclass) > 10000 THEN
      ANALYZE {schema}.${TABLE};
    END IF;
  END $$;`;

/** Filter fields each rollup holds (a whitelist: a filter field added later reads the rows until added here). */
const ROLLUP_FILTERS = new Set(['from', 'to', 'feature', 'model', 'status', 'limit']);
const CACHE_ROLLUP_FILTERS = new Set(['from', 'to', 'feature', 'limit']);
const USER_ROLLUP_FILTERS = new Set(['from', 'to', 'user', 'limit']);
const USER_ROLLUP_GROUPS: ReadonlySet<GroupKey> = new Set(['user', 'key', 'day']);

function onlyFields(filter: LedgerFilter, allowed: Set<string>): boolean {
  return Object.entries(filter).every(([k, v]) => v === undefined || allowed.has(k));
}

/** True when the rollup holds every dimension the filter and grouping need. */
export function rollupAnswers(filter: LedgerFilter, groupBy: readonly GroupKey[] = []): boolean {
  return onlyFields(filter, ROLLUP_FILTERS) && !groupBy.includes('user') && !groupBy.includes('key');
}

/** True when the user rollups hold every dimension the filter and grouping need. */
export function userRollupAnswers(filter: LedgerFilter, groupBy: readonly GroupKey[]): boolean {
  return onlyFields(filter, USER_ROLLUP_FILTERS) && groupBy.every((k) => USER_ROLLUP_GROUPS.has(k));
}

/** The grains a read by user or key can use: weeks then days, or days alone when it groups by day. */
export function userRollupGrains(groupBy: readonly GroupKey[]): Grain[] {
  return groupBy.includes('day') ? [DAILY] : [WEEKLY, DAILY];
}

/** True when the cache rollup (hour × feature) holds every dimension the filter needs. */
export function cacheRollupAnswers(filter: LedgerFilter): boolean {
  return onlyFields(filter, CACHE_ROLLUP_FILTERS);
}

/** Whole buckets [fromBucket, toBucket) of one grain (undefined = unbounded). */
export interface RollupPart {
  grain: Grain;
  fromBucket?: number;
  toBucket?: number;
}

export interface RollupSplit {
  /** Read from the rollups, coarsest first. */
  parts: RollupPart[];
  /** What no bucket covers whole, read from the raw rows. */
  edges: LedgerFilter[];
  /** False when the range holds no whole bucket of any grain: everything is raw. */
  useRollup: boolean;
}

/**
 * Splits a filter's time range over the grains, coarsest first: whole days from the daily rollup, the
 * whole hours left at either end from the hourly one, the partial hours left from the raw rows. With
 * `[DAILY]` alone (the user rollup) the partial days are raw.
 */
export function splitRange(filter: LedgerFilter, grains: readonly Grain[] = [DAILY, HOURLY]): RollupSplit {
  const split: RollupSplit = { parts: [], edges: [], useRollup: false };
  const from0 = filter.from === undefined ? undefined : Math.floor(filter.from);
  const to0 = filter.to === undefined ? undefined : Math.ceil(filter.to);
  const cover = (from: number | undefined, to: number | undefined, level: number): void => {
    const g = grains[level];
    if (g === undefined) {
      const edge: LedgerFilter = { ...filter };
      if (from !== undefined) edge.from = from;
      if (to !== undefined) edge.to = to;
      split.edges.push(edge);
      return;
    }
    const fromBucket = from === undefined ? undefined : Math.ceil(from / g.unit);
    const toBucket = to === undefined ? undefined : Math.floor(to / g.unit);
    if (fromBucket !== undefined && toBucket !== undefined && fromBucket >= toBucket) {
      cover(from, to, level + 1);
      return;
    }
    const part: RollupPart = { grain: g };
    if (fromBucket !== undefined) part.fromBucket = fromBucket;
    if (toBucket !== undefined) part.toBucket = toBucket;
    split.parts.push(part);
    if (from !== undefined && fromBucket !== undefined && from < fromBucket * g.unit) {
      cover(from, fromBucket * g.unit, level + 1);
    }
    if (to !== undefined && toBucket !== undefined && toBucket * g.unit < to) {
      cover(toBucket * g.unit, to, level + 1);
    }
  };
  cover(from0, to0, 0);
  split.useRollup = split.parts.length > 0;
  return split;
}

/**
 * WHERE over a rollup table for one part's buckets and the non-time filters the table holds: `main`
 * (feature, model, status), `cache` (feature), `user` (the user).
 */
export function rollupWhere(
  part: RollupPart,
  filter: LedgerFilter,
  family: 'main' | 'cache' | 'user' = 'main',
): { sql: string; params: (string | number)[] } {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  const add = (expr: string, value: string | number) => {
    params.push(value);
    parts.push(`${expr} $${params.length}`);
  };
  const bucket = part.grain.bucket;
  if (part.fromBucket !== undefined) add(`${bucket} >=`, part.fromBucket);
  if (part.toBucket !== undefined) add(`${bucket} <`, part.toBucket);
  if (family === 'user') {
    if (filter.user !== undefined) add('user_name =', filter.user);
  } else {
    if (filter.feature !== undefined) add('feature =', filter.feature);
    if (family === 'main') {
      if (filter.model !== undefined) add('model =', filter.model);
      if (filter.status !== undefined) add('status =', filter.status);
    }
  }
  return { sql: parts.length ? ` WHERE ${parts.join(' AND ')}` : '', params };
}

/** The rollup's counterpart of each GROUP_EXPR in pg-sql.ts at a grain (the day from the hour). */
export function rollupGroupExpr(grain: Grain): Partial<Record<GroupKey, string>> {
  return {
    feature: "COALESCE(feature, '(none)')",
    model: 'model',
    provider: "COALESCE(provider, '(none)')",
    day: grain.bucket === 'day' ? 'day' : '(hour / 24)',
    status: 'status',
  };
}

/** The user rollups' counterpart of each GROUP_EXPR in pg-sql.ts (`day` on the daily one only). */
export const USER_ROLLUP_GROUP_EXPR: Partial<Record<GroupKey, string>> = {
  user: "COALESCE(user_name, '(none)')",
  key: "COALESCE(key_id, '(none)')",
  day: 'day',
};

/** The rollup's counterpart of AGGREGATES in pg-sql.ts (same aliases). */
export const ROLLUP_AGGREGATES = [
  'COALESCE(SUM(requests), 0) AS requests',
  "COALESCE(SUM(requests) FILTER (WHERE status = 'error'), 0) AS errors",
  'COALESCE(SUM(input_tokens), 0) AS input_tokens',
  'COALESCE(SUM(cache_read_tokens), 0) AS cache_read_tokens',
  'COALESCE(SUM(cache_write_tokens), 0) AS cache_write_tokens',
  'COALESCE(SUM(output_tokens), 0) AS output_tokens',
  'COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens',
  'COALESCE(SUM(cost), 0) AS cost',
  'COALESCE(SUM(unpriced), 0) AS unpriced',
  'COALESCE(SUM(baseline_cost), 0) AS baseline_cost',
  'COALESCE(SUM(savings), 0) AS savings',
];

/** The user rollup's counterpart of AGGREGATES (it counts errors in a column of its own). */
export const USER_ROLLUP_AGGREGATES = ROLLUP_AGGREGATES.map((a) =>
  a.startsWith('COALESCE(SUM(requests) FILTER') ? 'COALESCE(SUM(errors), 0) AS errors' : a,
);
