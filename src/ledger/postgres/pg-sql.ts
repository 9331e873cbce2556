/**
 * LedgerFilter, GroupKey and the summary aggregates as PostgreSQL SQL. The expressions mirror
 * `group-keys.ts` (the model is the served model falling back to the requested one). The day is grouped
 * as the integer UTC day number `ts / 86400000` — cheaper than formatting a date per row — and turned
 * into YYYY-MM-DD once per group by the caller.
 */
import { NONE } from '../group-keys.js';
import type { GroupKey, LedgerFilter } from '../ledger.js';
import { DAY_MS } from './pg-names.js';
import { MODEL_EXPR } from './pg-schema.js';

export interface WhereClause {
  /** "" or " WHERE …" */
  sql: string;
  params: (string | number)[];
}

export function whereClause(f: LedgerFilter): WhereClause {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  const add = (expr: string, value: string | number) => {
    params.push(value);
    parts.push(`${expr} $${params.length}`);
  };
  if (f.from !== undefined) add('ts >=', Math.floor(f.from));
  if (f.to !== undefined) add('ts <', Math.ceil(f.to));
  if (f.feature !== undefined) add('feature =', f.feature);
  if (f.user !== undefined) add('user_name =', f.user);
  if (f.model !== undefined) add(`${MODEL_EXPR} =`, f.model);
  if (f.status !== undefined) add('status =', f.status);
  if (f.id !== undefined) add('id =', f.id);
  if (f.experiment !== undefined) add("meta->'experiment'->>'name' =", f.experiment);
  if (f.arm !== undefined) add("meta->'experiment'->>'arm' =", f.arm);
  return { sql: parts.length ? ` WHERE ${parts.join(' AND ')}` : '', params };
}

const NONE_SQL = `'${NONE}'`;

export { DAY_MS };

export const GROUP_EXPR: Record<GroupKey, string> = {
  feature: `COALESCE(feature, ${NONE_SQL})`,
  user: `COALESCE(user_name, ${NONE_SQL})`,
  model: MODEL_EXPR,
  provider: `COALESCE(provider, ${NONE_SQL})`,
  day: `(ts / ${DAY_MS})`,
  key: `COALESCE(key_id, ${NONE_SQL})`,
  status: 'status',
};

/** SUM over BIGINT is NUMERIC in PostgreSQL: exact at any row count. */
export const AGGREGATES = [
  'COUNT(*) AS requests',
  "COUNT(*) FILTER (WHERE status = 'error') AS errors",
  'COALESCE(SUM(input_uncached), 0) AS input_tokens',
  'COALESCE(SUM(cache_read), 0) AS cache_read_tokens',
  'COALESCE(SUM(cache_write_5m + cache_write_1h), 0) AS cache_write_tokens',
  'COALESCE(SUM(output_text), 0) AS output_tokens',
  'COALESCE(SUM(reasoning), 0) AS reasoning_tokens',
  'COALESCE(SUM(cost), 0) AS cost',
  'COUNT(*) FILTER (WHERE cost IS NULL) AS unpriced',
  'COALESCE(SUM(baseline_cost), 0) AS baseline_cost',
  'COALESCE(SUM(savings_total), 0) AS savings',
];
