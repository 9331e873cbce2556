/**
 * The rollup deltas of a batch, added up in this process: one upsert row per distinct rollup key of the
 * batch (hour × feature × model × provider × status, …) instead of PostgreSQL grouping the inserted rows
 * itself — eight GROUP BYs over the batch, each evaluating the JSONB meta of every entry. The server then
 * upserts a handful of rows per table, sent in the same query string as the batch's COPY (pg-copy.ts).
 *
 * The sums mirror `rollupInsertSql` (pg-rollup.ts) exactly, and the ledger contract suite compares both
 * with an in-memory reference. Where the SQL's reading of the stored JSONB could differ from this one (a
 * cache status or kind that is not a string), `rollupDeltas` returns undefined and the caller uses the
 * SQL path for that batch.
 */
import type { LedgerEntry } from '../../core/ledger-entry.js';
import { loadPg } from '../../postgres/pool.js';
import type { PgValue } from './pg-row-codec.js';
import {
  DAILY,
  GRAINS,
  type Grain,
  keyOf,
  ROLLUP,
  ROLLUP_ADD_COLUMNS,
  ROLLUP_CACHE,
  ROLLUP_TACTICS,
  rollupTable,
  USER_VALUE_LIST,
  userKey,
  userRollupTable,
  WEEKLY,
} from './pg-rollup.js';

type Sum = number | bigint;

/** One rollup table's upsert: key columns, added columns, and the batch's rows (key values, then sums). */
interface DeltaTable {
  table: string;
  keys: ReadonlyArray<readonly [string, string]>;
  values: ReadonlyArray<readonly [string, string]>;
  rows: Map<string, { key: PgValue[]; sums: Sum[] }>;
}

const MAIN_TYPES = [
  'int8',
  'int8',
  'int8',
  'int8',
  'int8',
  'int8',
  'numeric',
  'int8',
  'numeric',
  'numeric',
  'int8',
];
const USER_TYPES = [
  'int8',
  'int8',
  'int8',
  'int8',
  'int8',
  'int8',
  'int8',
  'numeric',
  'int8',
  'numeric',
  'numeric',
];

function mainKeys(g: Grain): [string, string][] {
  return keyOf(g)
    .split(', ')
    .map((c, i) => [c, i === 0 ? 'int8' : 'text']);
}

/** The eight tables, in the order of `rollupInsertSql`'s upserts. */
function tables(): DeltaTable[] {
  const out: DeltaTable[] = [];
  for (const g of GRAINS) {
    out.push({
      table: rollupTable(ROLLUP, g),
      keys: mainKeys(g),
      values: ROLLUP_ADD_COLUMNS.map((c, i) => [c, MAIN_TYPES[i]!] as const),
      rows: new Map(),
    });
    out.push({
      table: rollupTable(ROLLUP_TACTICS, g),
      keys: [...mainKeys(g), ['tactic', 'text']],
      values: [['amount', 'numeric']],
      rows: new Map(),
    });
    out.push({
      table: rollupTable(ROLLUP_CACHE, g),
      keys: [
        [g.bucket, 'int8'],
        ['feature', 'text'],
        ['cache_status', 'text'],
        ['cache_kind', 'text'],
      ],
      values: [
        ['requests', 'int8'],
        ['cache_saved', 'numeric'],
      ],
      rows: new Map(),
    });
  }
  for (const g of [DAILY, WEEKLY]) {
    out.push({
      table: userRollupTable(g),
      keys: userKey(g)
        .split(', ')
        .map((c, i) => [c, i === 0 ? 'int8' : 'text'] as const),
      values: USER_VALUE_LIST.map((c, i) => [c, USER_TYPES[i]!] as const),
      rows: new Map(),
    });
  }
  return out;
}

/** A value as an SQL literal: numbers are integers computed here, strings go through pg's escapeLiteral. */
function literal(v: PgValue | bigint): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return loadPg().escapeLiteral(v);
  return String(v);
}

/** The upsert of one table's batch rows, in key order (two instances lock shared rows in the same order). */
function upsertSql(schema: string, t: DeltaTable): string {
  const cols = [...t.keys, ...t.values];
  const names = cols.map((_, i) => `c${i}`);
  const casts = cols.map(([, type], i) => `c${i}::${type}`).join(', ');
  const order = t.keys.map((_, i) => i + 1).join(', ');
  const add = t.values.map(([c]) => `${c} = ${t.table}.${c} + EXCLUDED.${c}`).join(', ');
  const rows: string[] = [];
  for (const { key, sums } of t.rows.values()) rows.push(`(${[...key, ...sums].map(literal).join(', ')})`);
  return `INSERT INTO ${schema}.${t.table} (${cols.map(([c]) => c).join(', ')})
 SELECT ${casts} FROM (VALUES ${rows.join(', ')}) AS d(${names.join(', ')}) ORDER BY ${order}
 ON CONFLICT ON CONSTRAINT ${t.table}_key DO UPDATE SET ${add}`;
}

/** JSONB cannot hold U+0000: the stored meta has U+FFFD instead (pg-row-codec.ts), and so do the keys here. */
function stored(s: string): string {
  return s.includes('\u0000') ? s.replaceAll('\u0000', '\ufffd') : s;
}

/** `meta->'cache'->>field` for a string (or bigint, stored as a string); `false` when the SQL could read it differently. */
function cacheField(cache: Record<string, unknown>, field: string): string | null | false {
  const v = cache[field];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return stored(v);
  if (typeof v === 'bigint') return v.toString();
  return false;
}

/** PROMPT_CACHED_EXPR of pg-rollup.ts, on the entry's meta as it will be stored. */
function promptCached(meta: Record<string, unknown> | undefined): boolean {
  const pc = meta?.promptCache;
  if (typeof pc !== 'object' || pc === null || Array.isArray(pc)) return false;
  const { placed, promptCacheKey: key } = pc as Record<string, unknown>;
  if (Array.isArray(placed) && placed.length > 0) return true;
  switch (typeof key) {
    case 'string':
      return key !== '';
    case 'number':
      return Number.isFinite(key); // NaN and ±Infinity are stored as JSON null
    case 'bigint':
    case 'boolean':
      return true;
    case 'object':
      return key !== null;
    default:
      return false; // undefined, functions, symbols are not stored
  }
}

function add(t: DeltaTable, id: string, key: PgValue[], sums: Sum[]): void {
  const row = t.rows.get(id);
  if (!row) {
    t.rows.set(id, { key, sums: [...sums] });
    return;
  }
  for (let i = 0; i < sums.length; i++) {
    const a = row.sums[i]!;
    const b = sums[i]!;
    row.sums[i] = typeof a === 'bigint' ? a + (b as bigint) : a + (b as number);
  }
}

/**
 * One statement upserting (values as literals) the rollup deltas of a batch of entries that are all being
 * inserted (none already stored), or undefined when this batch must use the SQL path (see the file
 * comment). They travel in the COPY's own query string: one round trip, one implicit transaction.
 */
export function rollupDeltaSql(schema: string, entries: readonly LedgerEntry[]): string | undefined {
  const ts = tables();
  for (const e of entries) {
    // A query string cannot carry U+0000 (the database refuses such an entry anyway, on the SQL path).
    if (hasNul(e.feature) || hasNul(e.user) || hasNul(e.keyId) || hasNul(e.provider)) return undefined;
    if (hasNul(e.requestedModel) || hasNul(e.servedModel) || Object.keys(e.savings).some(hasNul))
      return undefined;
    const model = e.servedModel ?? e.requestedModel;
    const group = JSON.stringify([e.feature, model, e.provider, e.status]);
    const keyTail: PgValue[] = [e.feature, model, e.provider, e.status];
    let savingsTotal = 0n;
    let cacheSaved: bigint | null = null;
    for (const [tactic, amount] of Object.entries(e.savings)) {
      savingsTotal += amount;
      if (tactic.startsWith('cache.')) cacheSaved = (cacheSaved ?? 0n) + amount;
    }
    const cw = e.cacheWrite5m + e.cacheWrite1h;
    const cost = e.cost ?? 0n;
    const baseline = e.baselineCost ?? 0n;
    const unpriced = e.cost === null ? 1 : 0;
    const cache = e.meta?.cache;
    let cacheKey: [string, string | null] | undefined;
    if (typeof cache === 'object' && cache !== null && !Array.isArray(cache)) {
      const status = cacheField(cache as Record<string, unknown>, 'status');
      const kind = cacheField(cache as Record<string, unknown>, 'kind');
      if (status === false || kind === false) return undefined;
      if (status !== null) cacheKey = [status, kind];
    }
    const mainSums: Sum[] = [
      1,
      e.inputUncached,
      e.cacheRead,
      cw,
      e.outputText,
      e.reasoning,
      cost,
      unpriced,
      baseline,
      savingsTotal,
      promptCached(e.meta) ? 1 : 0,
    ];
    for (let gi = 0; gi < GRAINS.length; gi++) {
      const g = GRAINS[gi]!;
      const bucket = Math.trunc(e.ts / g.unit); // BIGINT division truncates toward zero
      const [main, tactics, cacheTable] = [ts[gi * 3]!, ts[gi * 3 + 1]!, ts[gi * 3 + 2]!];
      add(main, `${bucket}|${group}`, [bucket, ...keyTail], mainSums);
      for (const [tactic, amount] of Object.entries(e.savings)) {
        add(tactics, `${bucket}|${group}|${JSON.stringify(tactic)}`, [bucket, ...keyTail, tactic], [amount]);
      }
      if (cacheKey) {
        add(
          cacheTable,
          `${bucket}|${JSON.stringify([e.feature, ...cacheKey])}`,
          [bucket, e.feature, ...cacheKey],
          [1, cacheSaved ?? 0n],
        );
      }
    }
    const userSums: Sum[] = [
      1,
      e.status === 'error' ? 1 : 0,
      e.inputUncached,
      e.cacheRead,
      cw,
      e.outputText,
      e.reasoning,
      cost,
      unpriced,
      baseline,
      savingsTotal,
    ];
    const userGroup = JSON.stringify([e.user, e.keyId]);
    for (const [i, g] of [DAILY, WEEKLY].entries()) {
      const bucket = Math.trunc(e.ts / g.unit);
      add(ts[GRAINS.length * 3 + i]!, `${bucket}|${userGroup}`, [bucket, e.user, e.keyId], userSums);
    }
  }
  const statements: string[] = [];
  for (const t of ts) {
    if (t.rows.size === 0) continue;
    for (const { sums } of t.rows.values()) {
      // A token sum past 2^53 is no longer exact as a number: let PostgreSQL add that batch up.
      if (sums.some((v) => typeof v === 'number' && !Number.isSafeInteger(v))) return undefined;
    }
    statements.push(upsertSql(schema, t));
  }
  // One statement (data-modifying CTEs): parsed and planned once, not once per table.
  const last = statements.pop();
  if (last === undefined) return '';
  return statements.length
    ? `WITH ${statements.map((u, i) => `d${i} AS (${u})`).join(',\n')}\n${last}`
    : last;
}

function hasNul(s: string | null): boolean {
  return s !== null && s.includes('\u0000');
}
