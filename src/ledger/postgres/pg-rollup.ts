/**
 * Hourly rollups of the PostgreSQL ledger, so `penny report` and the dashboard read thousands of rows
 * instead of millions. Three tables, all keyed on the UTC hour (`ts / 3600000`):
 *
 * - `ledger_rollup`: hour × feature × model (served, else requested) × provider × status → counts, token
 *   sums and exact money sums (NUMERIC picodollars), plus how many prompts Penny marked for caching;
 * - `ledger_rollup_tactics`: the same key × tactic → Σ savings;
 * - `ledger_rollup_cache`: hour × feature × response-cache status × kind → requests and Σ cache.* savings.
 *
 * They are maintained by the batch insert itself (`rollupInsertSql`): the entries the INSERT really added
 * (`RETURNING`, so a replayed or retried batch adds nothing twice) are grouped and upserted in the same
 * statement, hence the same transaction. Rows are upserted in key order, so two instances writing the
 * same hours lock them in the same order and cannot deadlock each other.
 *
 * A read whose filter and grouping the rollup can answer (no `user` filter, no `user`/`key` grouping)
 * takes the whole hours of its range from the rollup and the partial hours at its edges from the raw
 * rows, and adds the two exactly; anything else reads the raw rows. Migration v2 creates the tables and
 * backfills them from the entries already stored.
 */
import type { GroupKey, LedgerFilter } from '../ledger.js';
import { MODEL_EXPR, TABLE } from './pg-names.js';

export const HOUR_MS = 3_600_000;
export const ROLLUP = 'ledger_rollup';
export const ROLLUP_TACTICS = 'ledger_rollup_tactics';
export const ROLLUP_CACHE = 'ledger_rollup_cache';

const KEY = 'hour, feature, model, provider, status';

/** An entry counts as "prompt cached" (the report's caching section) under exactly this condition. */
export const PROMPT_CACHED_EXPR = `((jsonb_typeof(meta->'promptCache'->'placed') = 'array' AND jsonb_array_length(meta->'promptCache'->'placed') > 0)
          OR COALESCE(meta->'promptCache'->>'promptCacheKey', '') <> '')`;

/** Σ of an entry's cache.* savings (NULL when none). */
const CACHE_SAVED_EXPR = `(SELECT SUM(s.value::numeric) FROM jsonb_each_text(savings) AS s WHERE s.key LIKE 'cache.%')`;

/** The breaker condition of pg-cache-meta.ts, verbatim, so the partial index below serves it. */
export const BREAKER_COND = `COALESCE(meta->'promptCache'->'breaker'->>'kind', '') <> ''`;

/** The aggregates of one group of entries (`src`), in rollup column order. */
const ROLLUP_SUMS = `COUNT(*), SUM(input_uncached), SUM(cache_read), SUM(cache_write_5m + cache_write_1h),
  SUM(output_text), SUM(reasoning), COALESCE(SUM(cost), 0), COUNT(*) FILTER (WHERE cost IS NULL),
  COALESCE(SUM(baseline_cost), 0), SUM(savings_total), COUNT(*) FILTER (WHERE ${PROMPT_CACHED_EXPR})`;
const ROLLUP_COLUMNS = `${KEY}, requests, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens,
  reasoning_tokens, cost, unpriced, baseline_cost, savings, prompt_cached`;
const ROLLUP_ADD = [
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
]
  .map((c) => `${c} = ${ROLLUP}.${c} + EXCLUDED.${c}`)
  .join(', ');

/** Upserts of the three rollups from a relation `src` of entry rows that has a `model` column. */
function rollupUpserts(schema: string, src: string): string[] {
  return [
    `INSERT INTO ${schema}.${ROLLUP} (${ROLLUP_COLUMNS})
     SELECT ts / ${HOUR_MS}, feature, model, provider, status, ${ROLLUP_SUMS}
     FROM ${src} GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
     ON CONFLICT ON CONSTRAINT ${ROLLUP}_key DO UPDATE SET ${ROLLUP_ADD}`,
    `INSERT INTO ${schema}.${ROLLUP_TACTICS} (${KEY}, tactic, amount)
     SELECT ts / ${HOUR_MS}, feature, model, provider, status, s.key, SUM(s.value::numeric)
     FROM ${src} CROSS JOIN LATERAL jsonb_each_text(savings) AS s
     GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
     ON CONFLICT ON CONSTRAINT ${ROLLUP_TACTICS}_key DO UPDATE SET amount = ${ROLLUP_TACTICS}.amount + EXCLUDED.amount`,
    `INSERT INTO ${schema}.${ROLLUP_CACHE} (hour, feature, cache_status, cache_kind, requests, cache_saved)
     SELECT ts / ${HOUR_MS}, feature, meta->'cache'->>'status', meta->'cache'->>'kind', COUNT(*),
       COALESCE(SUM(${CACHE_SAVED_EXPR}), 0)
     FROM ${src} WHERE meta->'cache'->>'status' IS NOT NULL
     GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
     ON CONFLICT ON CONSTRAINT ${ROLLUP_CACHE}_key DO UPDATE SET requests = ${ROLLUP_CACHE}.requests + EXCLUDED.requests,
       cache_saved = ${ROLLUP_CACHE}.cache_saved + EXCLUDED.cache_saved`,
  ];
}

/** The columns the rollups read from an inserted entry. */
const RETURNING = `ts, feature, ${MODEL_EXPR} AS model, provider, status, input_uncached, cache_read,
  cache_write_5m, cache_write_1h, output_text, reasoning, cost, baseline_cost, savings_total, savings, meta`;

/**
 * One statement: the batch insert (skipping ids already stored) and the rollup upserts of exactly the
 * rows it inserted. `insert` is the plain `INSERT … ON CONFLICT (id) DO NOTHING`.
 */
export function rollupInsertSql(schema: string, insert: string): string {
  const [r, t, c] = rollupUpserts(schema, 'ins');
  return `WITH ins AS (${insert} RETURNING ${RETURNING}), r AS (${r}), t AS (${t}) ${c}`;
}

/** Migration v2: the rollup tables, backfilled from the stored entries, and the breaker partial index. */
export const ROLLUP_MIGRATION = `
  CREATE TABLE {schema}.${ROLLUP} (
    hour BIGINT NOT NULL, feature TEXT, model TEXT NOT NULL, provider TEXT, status TEXT NOT NULL,
    requests BIGINT NOT NULL, input_tokens BIGINT NOT NULL, cache_read_tokens BIGINT NOT NULL,
    cache_write_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, reasoning_tokens BIGINT NOT NULL,
    cost NUMERIC NOT NULL, unpriced BIGINT NOT NULL, baseline_cost NUMERIC NOT NULL, savings NUMERIC NOT NULL,
    prompt_cached BIGINT NOT NULL,
    CONSTRAINT ${ROLLUP}_key UNIQUE NULLS NOT DISTINCT (${KEY})
  );
  CREATE TABLE {schema}.${ROLLUP_TACTICS} (
    hour BIGINT NOT NULL, feature TEXT, model TEXT NOT NULL, provider TEXT, status TEXT NOT NULL,
    tactic TEXT NOT NULL, amount NUMERIC NOT NULL,
    CONSTRAINT ${ROLLUP_TACTICS}_key UNIQUE NULLS NOT DISTINCT (${KEY}, tactic)
  );
  CREATE TABLE {schema}.${ROLLUP_CACHE} (
    hour BIGINT NOT NULL, feature TEXT, cache_status TEXT NOT NULL, cache_kind TEXT,
    requests BIGINT NOT NULL, cache_saved NUMERIC NOT NULL,
    CONSTRAINT ${ROLLUP_CACHE}_key UNIQUE NULLS NOT DISTINCT (hour, feature, cache_status, cache_kind)
  );
  -- Writers of an older build would add entries the backfill misses: hold them off until it commits.
  LOCK TABLE {schema}.${TABLE} IN SHARE MODE;
  ${rollupUpserts('{schema}', `(SELECT *, ${MODEL_EXPR} AS model FROM {schema}.${TABLE}) AS e`).join(';\n')};
  CREATE INDEX ${TABLE}_breaker ON {schema}.${TABLE} (ts) WHERE ${BREAKER_COND};`;

/** Filter fields each rollup holds (a whitelist: a filter field added later reads the rows until added here). */
const ROLLUP_FILTERS = new Set(['from', 'to', 'feature', 'model', 'status', 'limit']);
const CACHE_ROLLUP_FILTERS = new Set(['from', 'to', 'feature', 'limit']);

function onlyFields(filter: LedgerFilter, allowed: Set<string>): boolean {
  return Object.entries(filter).every(([k, v]) => v === undefined || allowed.has(k));
}

/** True when the rollup holds every dimension the filter and grouping need. */
export function rollupAnswers(filter: LedgerFilter, groupBy: readonly GroupKey[] = []): boolean {
  return onlyFields(filter, ROLLUP_FILTERS) && !groupBy.includes('user') && !groupBy.includes('key');
}

/** True when the cache rollup (hour × feature) holds every dimension the filter needs. */
export function cacheRollupAnswers(filter: LedgerFilter): boolean {
  return onlyFields(filter, CACHE_ROLLUP_FILTERS);
}

export interface RollupSplit {
  /** Whole hours [fromHour, toHour) read from the rollup (undefined = unbounded). */
  fromHour?: number;
  toHour?: number;
  /** The partial hours at the edges, read from the raw rows. */
  edges: LedgerFilter[];
  /** False when the range holds no whole hour: everything is raw. */
  useRollup: boolean;
}

/** Splits a filter's time range into whole hours (rollup) and the partial hours around them (raw rows). */
export function splitRange(filter: LedgerFilter): RollupSplit {
  const from = filter.from === undefined ? undefined : Math.floor(filter.from);
  const to = filter.to === undefined ? undefined : Math.ceil(filter.to);
  const fromHour = from === undefined ? undefined : Math.ceil(from / HOUR_MS);
  const toHour = to === undefined ? undefined : Math.floor(to / HOUR_MS);
  if (fromHour !== undefined && toHour !== undefined && fromHour >= toHour) {
    return { edges: [filter], useRollup: false };
  }
  const edges: LedgerFilter[] = [];
  if (from !== undefined && fromHour !== undefined && from < fromHour * HOUR_MS) {
    edges.push({ ...filter, from, to: fromHour * HOUR_MS });
  }
  if (to !== undefined && toHour !== undefined && toHour * HOUR_MS < to) {
    edges.push({ ...filter, from: toHour * HOUR_MS, to });
  }
  const split: RollupSplit = { edges, useRollup: true };
  if (fromHour !== undefined) split.fromHour = fromHour;
  if (toHour !== undefined) split.toHour = toHour;
  return split;
}

/** WHERE over a rollup table for the whole hours and the non-time filters it holds. */
export function rollupWhere(
  split: RollupSplit,
  filter: LedgerFilter,
  withModelStatus = true,
): { sql: string; params: (string | number)[] } {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  const add = (expr: string, value: string | number) => {
    params.push(value);
    parts.push(`${expr} $${params.length}`);
  };
  if (split.fromHour !== undefined) add('hour >=', split.fromHour);
  if (split.toHour !== undefined) add('hour <', split.toHour);
  if (filter.feature !== undefined) add('feature =', filter.feature);
  if (withModelStatus) {
    if (filter.model !== undefined) add('model =', filter.model);
    if (filter.status !== undefined) add('status =', filter.status);
  }
  return { sql: parts.length ? ` WHERE ${parts.join(' AND ')}` : '', params };
}

/** The rollup's counterpart of each GROUP_EXPR in pg-sql.ts (the day from the hour). */
export const ROLLUP_GROUP_EXPR: Partial<Record<GroupKey, string>> = {
  feature: "COALESCE(feature, '(none)')",
  model: 'model',
  provider: "COALESCE(provider, '(none)')",
  day: '(hour / 24)',
  status: 'status',
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
