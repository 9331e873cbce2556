/**
 * LedgerEntry ⇄ PostgreSQL. A batch is inserted as one statement whose parameters are one array per
 * column (`INSERT … SELECT * FROM unnest($1::text[], …)`), so 1 or 512 entries cost one round trip and one
 * plan. BIGINT and NUMERIC come back as decimal strings (node-postgres' default) and become exact bigints;
 * counts are narrowed to numbers. Savings amounts and bigints inside meta travel as decimal strings.
 */
import type { EntryStatus, LedgerEntry } from '../../core/ledger-entry.js';
import type { Money } from '../../core/money.js';
import type { Dialect } from '../../core/request.js';

/** Column, PostgreSQL array type, and how an entry fills it. */
const COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['id', 'text'],
  ['ts', 'int8'],
  ['feature', 'text'],
  ['user_name', 'text'],
  ['key_id', 'text'],
  ['dialect', 'text'],
  ['provider', 'text'],
  ['requested_model', 'text'],
  ['served_model', 'text'],
  ['stream', 'bool'],
  ['simulated', 'bool'],
  ['input_uncached', 'int8'],
  ['cache_read', 'int8'],
  ['cache_write_5m', 'int8'],
  ['cache_write_1h', 'int8'],
  ['output_text', 'int8'],
  ['reasoning', 'int8'],
  ['usage_estimated', 'bool'],
  ['cost', 'int8'],
  ['baseline_cost', 'int8'],
  ['savings_total', 'numeric'],
  ['savings', 'jsonb'],
  ['flags', 'jsonb'],
  ['latency_ms', 'float8'],
  ['ttft_ms', 'float8'],
  ['status', 'text'],
  ['http_status', 'int4'],
  ['error_class', 'text'],
  ['meta', 'jsonb'],
];

export const SELECT_COLUMNS = COLUMNS.map(([c]) => c).join(', ');

/** `$1::text[], $2::int8[], …`: one typed array parameter per column. */
const UNNEST_PLACEHOLDERS = COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');

/** One statement inserting every row of the column arrays, skipping ids already stored. */
export function insertSql(table: string): string {
  return `INSERT INTO ${table} (${SELECT_COLUMNS}) SELECT * FROM unnest(${UNNEST_PLACEHOLDERS}) ON CONFLICT (id) DO NOTHING`;
}

export type PgValue = string | number | boolean | null;

/** One entry as column values. Throws (TypeError) when meta cannot be serialised. */
export function entryToValues(e: LedgerEntry): PgValue[] {
  let savingsTotal = 0n;
  const savings: Record<string, string> = {};
  for (const [tactic, amount] of Object.entries(e.savings)) {
    savings[tactic] = amount.toString();
    savingsTotal += amount;
  }
  return [
    e.id,
    String(e.ts),
    e.feature,
    e.user,
    e.keyId,
    e.dialect,
    e.provider,
    e.requestedModel,
    e.servedModel,
    e.stream,
    e.simulated,
    String(e.inputUncached),
    String(e.cacheRead),
    String(e.cacheWrite5m),
    String(e.cacheWrite1h),
    String(e.outputText),
    String(e.reasoning),
    e.usageEstimated,
    e.cost === null ? null : e.cost.toString(),
    e.baselineCost === null ? null : e.baselineCost.toString(),
    savingsTotal.toString(),
    JSON.stringify(savings),
    JSON.stringify(e.flags),
    e.latencyMs,
    e.ttftMs,
    e.status,
    e.httpStatus,
    e.errorClass,
    e.meta === undefined ? null : metaJson(e.meta),
  ];
}

/** Transposes entries into one array per column (the parameters of `insertSql`). */
export function toColumnArrays(rows: PgValue[][]): PgValue[][] {
  const cols: PgValue[][] = COLUMNS.map(() => []);
  for (const r of rows) for (let i = 0; i < cols.length; i++) cols[i]!.push(r[i]!);
  return cols;
}

/**
 * Meta as JSON for a JSONB column. JSONB cannot hold U+0000, so an escaped NUL (a client-supplied string
 * that ended up in meta) becomes U+FFFD instead of making the database reject the whole entry.
 */
function metaJson(meta: Record<string, unknown>): string {
  return JSON.stringify(meta, bigintAsString).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd');
}

function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** A row as node-postgres returns it (int8/numeric as strings, jsonb parsed). */
export type PgRow = Record<string, unknown>;

export function rowToEntry(r: PgRow): LedgerEntry {
  const entry: LedgerEntry = {
    id: String(r.id),
    ts: Number(r.ts),
    feature: strOrNull(r.feature),
    user: strOrNull(r.user_name),
    keyId: strOrNull(r.key_id),
    dialect: String(r.dialect) as Dialect,
    provider: strOrNull(r.provider),
    requestedModel: String(r.requested_model),
    servedModel: strOrNull(r.served_model),
    stream: r.stream === true,
    simulated: r.simulated === true,
    inputUncached: Number(r.input_uncached),
    cacheRead: Number(r.cache_read),
    cacheWrite5m: Number(r.cache_write_5m),
    cacheWrite1h: Number(r.cache_write_1h),
    outputText: Number(r.output_text),
    reasoning: Number(r.reasoning),
    usageEstimated: r.usage_estimated === true,
    cost: moneyOrNull(r.cost),
    baselineCost: moneyOrNull(r.baseline_cost),
    savings: savingsOf(r.savings),
    flags: r.flags as string[],
    latencyMs: Number(r.latency_ms),
    ttftMs: r.ttft_ms === null ? null : Number(r.ttft_ms),
    status: String(r.status) as EntryStatus,
    httpStatus: Number(r.http_status),
    errorClass: strOrNull(r.error_class),
  };
  if (r.meta !== null && r.meta !== undefined) entry.meta = r.meta as Record<string, unknown>;
  return entry;
}

export function savingsOf(v: unknown): Record<string, Money> {
  const out: Record<string, Money> = {};
  for (const [tactic, amount] of Object.entries(v as Record<string, string | number>))
    out[tactic] = BigInt(amount);
  return out;
}

/** NUMERIC / BIGINT (a decimal string) → exact Money; NULL → 0. */
export function money(v: unknown): Money {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'bigint') return v;
  return BigInt(String(v));
}

function moneyOrNull(v: unknown): Money | null {
  return v === null || v === undefined ? null : money(v);
}

function strOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
