/**
 * The rollup deltas of a batch, added up in this process: one upsert row per distinct rollup key of the
 * batch (hour × feature × model × provider × status, …) instead of PostgreSQL grouping the inserted rows
 * itself — eight GROUP BYs over the batch, each evaluating the JSONB meta of every entry. The server then
 * upserts a handful of rows per table (one statement, arrays as parameters, prepared once per connection).
 *
 * The sums mirror `rollupInsertSql` (pg-rollup.ts) exactly, and the ledger contract suite compares both
 * with an in-memory reference. Where the SQL's reading of the stored JSONB could differ from this one (a
 * cache status or kind that is not a string), `rollupDeltas` returns undefined and the caller uses the
 * SQL path for that batch.
 */
import { createHash } from 'node:crypto';
import type { LedgerEntry } from '../../core/ledger-entry.js';
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

export interface RollupDeltaStatement {
  /** Prepared-statement name, derived from the text (one text per schema). */
  name: string;
  text: string;
}

/**
 * One statement upserting every table's deltas, each table's rows passed as one array per column and
 * upserted in key order (so two instances lock shared rows in the same order, like the SQL path).
 */
export function rollupDeltaSql(schema: string): RollupDeltaStatement {
  let n = 0;
  const upserts = tables().map((t) => {
    const table = t.table;
    const cols = [...t.keys, ...t.values].map(([c]) => c);
    const arrays = [...t.keys, ...t.values].map(([, type]) => `$${++n}::${type}[]`).join(', ');
    const order = t.keys.map((_, i) => i + 1).join(', ');
    const add = t.values.map(([c]) => `${c} = ${table}.${c} + EXCLUDED.${c}`).join(', ');
    return `INSERT INTO ${schema}.${table} (${cols.join(', ')})
     SELECT * FROM unnest(${arrays}) ORDER BY ${order}
     ON CONFLICT ON CONSTRAINT ${table}_key DO UPDATE SET ${add}`;
  });
  const last = upserts.pop();
  const text = `WITH ${upserts.map((u, i) => `d${i} AS (${u})`).join(', ')} ${last}`;
  const name = `penny_rollup_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
  return { name, text };
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
 * The statement's parameters for a batch of entries that are all being inserted (none already stored),
 * or undefined when this batch must use the SQL path (see the file comment).
 */
export function rollupDeltas(entries: readonly LedgerEntry[]): PgValue[][] | undefined {
  const ts = tables();
  for (const e of entries) {
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
  const params: PgValue[][] = [];
  for (const t of ts) {
    const cols: PgValue[][] = [...t.keys, ...t.values].map(() => []);
    for (const { key, sums } of t.rows.values()) {
      for (let i = 0; i < key.length; i++) cols[i]!.push(key[i]!);
      for (let i = 0; i < sums.length; i++) {
        const s = sums[i]!;
        // A token sum past 2^53 is no longer exact as a number: let PostgreSQL add that batch up.
        if (typeof s === 'number' && !Number.isSafeInteger(s)) return undefined;
        cols[key.length + i]!.push(String(s));
      }
    }
    params.push(...cols);
  }
  return params;
}
