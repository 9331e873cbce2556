/**
 * The caching section's numbers, aggregated by PostgreSQL over the JSONB `meta` column: response-cache
 * outcomes per feature (with their cache.* savings), how many prompts Penny marked for provider caching,
 * and the prompt-cache breakers. Mirrors `summarizeCache` in src/report/cache-section.ts, which reads
 * entries one by one for the other stores.
 */
import type pg from 'pg';
import type { CacheMetaAggregates, LedgerFilter } from '../ledger.js';
import { money } from './pg-row-codec.js';
import { whereClause } from './pg-sql.js';

const BREAKER = "meta->'promptCache'->'breaker'";

export async function pgCacheMetaAggregates(
  pool: pg.Pool,
  table: string,
  filter: LedgerFilter,
): Promise<CacheMetaAggregates> {
  const where = whereClause(filter);
  // The caller's filter (placeholders only), followed by this query's own condition.
  const whereSql = where.sql ? `${where.sql} AND` : ' WHERE';
  const [cache, prompt, breakers] = await Promise.all([
    pool.query<{ feature: string; status: string; kind: string | null; n: string; saved: string }>(
      `SELECT COALESCE(feature, '(none)') AS feature, meta->'cache'->>'status' AS status,
         meta->'cache'->>'kind' AS kind, COUNT(*) AS n,
         COALESCE(SUM((SELECT SUM(s.value::numeric) FROM jsonb_each_text(savings) AS s WHERE s.key LIKE 'cache.%')), 0) AS saved
       FROM ${table}${whereSql} meta->'cache'->>'status' IS NOT NULL GROUP BY 1, 2, 3`,
      where.params,
    ),
    pool.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM ${table}${whereSql} ((jsonb_typeof(meta->'promptCache'->'placed') = 'array' AND jsonb_array_length(meta->'promptCache'->'placed') > 0)
          OR COALESCE(meta->'promptCache'->>'promptCacheKey', '') <> '')`,
      where.params,
    ),
    pool.query<{
      feature: string;
      kind: string;
      n: string;
      lost_tokens: string;
      lost_cost: string;
      before: string | null;
    }>(
      `SELECT COALESCE(feature, '(none)') AS feature, ${BREAKER}->>'kind' AS kind, COUNT(*) AS n,
         COALESCE(SUM(CASE WHEN jsonb_typeof(${BREAKER}->'lostTokens') = 'number' THEN (${BREAKER}->>'lostTokens')::numeric END), 0) AS lost_tokens,
         COALESCE(SUM(CASE WHEN jsonb_typeof(${BREAKER}->'lostCost') = 'string' THEN (${BREAKER}->>'lostCost')::numeric END), 0) AS lost_cost,
         (array_agg(${BREAKER}->>'before' ORDER BY ts DESC, seq DESC))[1] AS before
       FROM ${table}${whereSql} COALESCE(${BREAKER}->>'kind', '') <> '' GROUP BY 1, 2`,
      where.params,
    ),
  ]);
  return {
    cache: cache.rows.map((r) => ({
      feature: r.feature,
      status: r.status,
      kind: r.kind,
      requests: Number(r.n),
      cacheSaved: money(r.saved),
    })),
    promptCached: Number(prompt.rows[0]?.n ?? 0),
    breakers: breakers.rows.map((r) => ({
      feature: r.feature,
      kind: r.kind,
      requests: Number(r.n),
      lostTokens: Number(r.lost_tokens),
      lostCostUsd: String(r.lost_cost),
      before: r.before ?? '',
    })),
  };
}
