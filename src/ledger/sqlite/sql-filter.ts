/**
 * LedgerFilter and GroupKey as SQLite SQL. The expressions mirror `group-keys.ts` exactly (the model is
 * the served model falling back to the requested one; the day is the UTC date of `ts`).
 */
import { NONE } from '../group-keys.js';
import type { GroupKey, LedgerFilter } from '../ledger.js';
import { MODEL_EXPR } from './schema.js';

export interface WhereClause {
  /** "" or " WHERE …" */
  sql: string;
  params: (string | number)[];
}

export function whereClause(f: LedgerFilter): WhereClause {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  if (f.from !== undefined) {
    parts.push('ts >= ?');
    params.push(f.from);
  }
  if (f.to !== undefined) {
    parts.push('ts < ?');
    params.push(f.to);
  }
  if (f.feature !== undefined) {
    parts.push('feature = ?');
    params.push(f.feature);
  }
  if (f.user !== undefined) {
    parts.push('user_name = ?');
    params.push(f.user);
  }
  if (f.model !== undefined) {
    parts.push(`${MODEL_EXPR} = ?`);
    params.push(f.model);
  }
  if (f.status !== undefined) {
    parts.push('status = ?');
    params.push(f.status);
  }
  if (f.id !== undefined) {
    parts.push('id = ?');
    params.push(f.id);
  }
  if (f.experiment !== undefined) {
    parts.push("json_extract(meta, '$.experiment.name') = ?");
    params.push(f.experiment);
  }
  if (f.arm !== undefined) {
    parts.push("json_extract(meta, '$.experiment.arm') = ?");
    params.push(f.arm);
  }
  return { sql: parts.length ? ` WHERE ${parts.join(' AND ')}` : '', params };
}

const NONE_SQL = `'${NONE}'`;

export const GROUP_EXPR: Record<GroupKey, string> = {
  feature: `COALESCE(feature, ${NONE_SQL})`,
  user: `COALESCE(user_name, ${NONE_SQL})`,
  model: MODEL_EXPR,
  provider: `COALESCE(provider, ${NONE_SQL})`,
  // Integer division keeps ms → s exact; 'unixepoch' dates are UTC.
  day: `date(ts / 1000, 'unixepoch')`,
  key: `COALESCE(key_id, ${NONE_SQL})`,
  status: 'status',
};
