/**
 * The caching section's numbers, aggregated by PostgreSQL: response-cache outcomes per feature (with their
 * cache.* savings), how many prompts Penny marked for provider caching, and the prompt-cache breakers.
 * Mirrors `summarizeCache` in src/report/cache-section.ts, which reads entries one by one for the other
 * stores. Outcomes and prompt counts come from the hourly rollups for whole hours when the filter allows
 * (pg-rollup.ts) and from the JSONB `meta` column otherwise; breakers (rare, and carrying the newest
 * entry's text) always come from the rows, through a partial index.
 */
import type pg from 'pg';
import { quoteSchema } from '../../postgres/pool.js';
import type { CacheMetaAggregates, CacheMetaRow, LedgerFilter } from '../ledger.js';
import { TABLE } from './pg-names.js';
import { money } from './pg-row-codec.js';
import {
  BREAKER_COND,
  cacheRollupAnswers,
  PROMPT_CACHED_EXPR,
  ROLLUP,
  ROLLUP_CACHE,
  rollupAnswers,
  rollupTable,
  rollupWhere,
  splitRange,
} from './pg-rollup.js';
import { whereClause } from './pg-sql.js';

const BREAKER = "meta->'promptCache'->'breaker'";

interface CacheRow {
  feature: string;
  status: string;
  kind: string | null;
  n: string;
  saved: string;
}

export async function pgCacheMetaAggregates(
  pool: pg.Pool,
  schema: string,
  filter: LedgerFilter,
): Promise<CacheMetaAggregates> {
  const schemaSql = quoteSchema(schema);
  const table = `${schemaSql}.${TABLE}`;

  const cacheRaw = async (f: LedgerFilter) => {
    const where = whereClause(f);
    const whereSql = where.sql ? `${where.sql} AND` : ' WHERE';
    const res = await pool.query<CacheRow>(
      `SELECT COALESCE(feature, '(none)') AS feature, meta->'cache'->>'status' AS status,
         meta->'cache'->>'kind' AS kind, COUNT(*) AS n,
         COALESCE(SUM((SELECT SUM(s.value::numeric) FROM jsonb_each_text(savings) AS s WHERE s.key LIKE 'cache.%')), 0) AS saved
       FROM ${table}${whereSql} meta->'cache'->>'status' IS NOT NULL GROUP BY 1, 2, 3`,
      where.params,
    );
    return res.rows;
  };
  const promptRaw = async (f: LedgerFilter) => {
    const where = whereClause(f);
    const whereSql = where.sql ? `${where.sql} AND` : ' WHERE';
    const res = await pool.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM ${table}${whereSql} ${PROMPT_CACHED_EXPR}`,
      where.params,
    );
    return Number(res.rows[0]?.n ?? 0);
  };

  let cache: Promise<CacheRow[][]>;
  const cacheSplit = cacheRollupAnswers(filter) ? splitRange(filter) : undefined;
  if (cacheSplit?.useRollup) {
    const rollups = cacheSplit.parts.map((p) => {
      const where = rollupWhere(p, filter, 'cache');
      return pool
        .query<CacheRow>(
          `SELECT COALESCE(feature, '(none)') AS feature, cache_status AS status, cache_kind AS kind,
             SUM(requests) AS n, SUM(cache_saved) AS saved
           FROM ${schemaSql}.${rollupTable(ROLLUP_CACHE, p.grain)}${where.sql} GROUP BY 1, 2, 3`,
          where.params,
        )
        .then((r) => r.rows);
    });
    cache = Promise.all([...rollups, ...cacheSplit.edges.map(cacheRaw)]);
  } else {
    cache = Promise.all([cacheRaw(filter)]);
  }

  let prompt: Promise<number[]>;
  const promptSplit = rollupAnswers(filter) ? splitRange(filter) : undefined;
  if (promptSplit?.useRollup) {
    const rollups = promptSplit.parts.map((p) => {
      const where = rollupWhere(p, filter);
      return pool
        .query<{ n: string | null }>(
          `SELECT SUM(prompt_cached) AS n FROM ${schemaSql}.${rollupTable(ROLLUP, p.grain)}${where.sql}`,
          where.params,
        )
        .then((r) => Number(r.rows[0]?.n ?? 0));
    });
    prompt = Promise.all([...rollups, ...promptSplit.edges.map(promptRaw)]);
  } else {
    prompt = Promise.all([promptRaw(filter)]);
  }

  const where = whereClause(filter);
  const whereSql = where.sql ? `${where.sql} AND` : ' WHERE';
  const breakers = pool.query<{
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
     FROM ${table}${whereSql} ${BREAKER_COND} GROUP BY 1, 2`,
    where.params,
  );

  const [cacheParts, promptParts, breakerRes] = await Promise.all([cache, prompt, breakers]);
  const merged = new Map<string, CacheMetaRow>();
  for (const rows of cacheParts) {
    for (const r of rows) {
      const id = `${r.feature}\u0000${r.status}\u0000${r.kind ?? '\u0001'}`;
      const m = merged.get(id);
      if (m) {
        m.requests += Number(r.n);
        m.cacheSaved += money(r.saved);
      } else {
        merged.set(id, {
          feature: r.feature,
          status: r.status,
          kind: r.kind,
          requests: Number(r.n),
          cacheSaved: money(r.saved),
        });
      }
    }
  }
  return {
    cache: [...merged.values()],
    promptCached: promptParts.reduce((a, b) => a + b, 0),
    breakers: breakerRes.rows.map((r) => ({
      feature: r.feature,
      kind: r.kind,
      requests: Number(r.n),
      lostTokens: Number(r.lost_tokens),
      lostCostUsd: String(r.lost_cost),
      before: r.before ?? '',
    })),
  };
}
