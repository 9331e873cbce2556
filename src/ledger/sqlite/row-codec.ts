/**
 * LedgerEntry ⇄ SQLite row. Rows are read with safe integers, so every INTEGER arrives as a bigint:
 * money stays exact and counts are narrowed back to numbers here. Meta is JSON with bigints written as
 * decimal strings (they come back as strings).
 */
import type { EntryStatus, LedgerEntry } from '../../core/ledger-entry.js';
import type { Money } from '../../core/money.js';
import type { Dialect } from '../../core/request.js';

/** Column order of INSERT_SQL's placeholders. */
const COLUMNS = [
  'id',
  'ts',
  'feature',
  'user_name',
  'key_id',
  'dialect',
  'provider',
  'requested_model',
  'served_model',
  'stream',
  'simulated',
  'input_uncached',
  'cache_read',
  'cache_write_5m',
  'cache_write_1h',
  'output_text',
  'reasoning',
  'usage_estimated',
  'cost',
  'baseline_cost',
  'savings_total',
  'savings',
  'flags',
  'latency_ms',
  'ttft_ms',
  'status',
  'http_status',
  'error_class',
  'meta',
] as const;

export const SELECT_COLUMNS = COLUMNS.join(', ');

export function insertSql(table: string): string {
  return `INSERT INTO ${table} (${SELECT_COLUMNS}) VALUES (${COLUMNS.map(() => '?').join(', ')})`;
}

export type SqlValue = string | number | bigint | null;

/**
 * Throws (TypeError) when meta cannot be serialised; the caller drops that one entry. Runs once per entry
 * (per request), so the common shapes take the short way: no savings → `{}`, no flags → `[]`, and meta
 * through JSON.stringify without a replacer (a replacer is a call back into JS for every key) unless it
 * holds a bigint — the same text either way.
 */
export function entryToParams(e: LedgerEntry): SqlValue[] {
  let savingsTotal = 0n;
  let savings = '';
  for (const tactic of Object.keys(e.savings)) {
    const amount = e.savings[tactic]!;
    savings += `${savings === '' ? '{' : ','}${JSON.stringify(tactic)}:"${amount}"`;
    savingsTotal += amount;
  }
  return [
    e.id,
    e.ts,
    e.feature,
    e.user,
    e.keyId,
    e.dialect,
    e.provider,
    e.requestedModel,
    e.servedModel,
    e.stream ? 1 : 0,
    e.simulated ? 1 : 0,
    e.inputUncached,
    e.cacheRead,
    e.cacheWrite5m,
    e.cacheWrite1h,
    e.outputText,
    e.reasoning,
    e.usageEstimated ? 1 : 0,
    e.cost,
    e.baselineCost,
    savingsTotal,
    savings === '' ? '{}' : `${savings}}`,
    e.flags.length === 0 ? '[]' : JSON.stringify(e.flags),
    e.latencyMs,
    e.ttftMs,
    e.status,
    e.httpStatus,
    e.errorClass,
    e.meta === undefined ? null : metaJson(e.meta),
  ];
}

function metaJson(meta: Record<string, unknown>): string {
  try {
    return JSON.stringify(meta);
  } catch (err) {
    // A bigint (JSON.stringify refuses them) is written as a decimal string; a cycle still throws.
    if (!(err instanceof TypeError)) throw err;
    return JSON.stringify(meta, bigintAsString);
  }
}

function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export type Row = Record<(typeof COLUMNS)[number], SqlValue>;

export function rowToEntry(r: Row): LedgerEntry {
  const entry: LedgerEntry = {
    id: str(r.id),
    ts: num(r.ts),
    feature: strOrNull(r.feature),
    user: strOrNull(r.user_name),
    keyId: strOrNull(r.key_id),
    dialect: str(r.dialect) as Dialect,
    provider: strOrNull(r.provider),
    requestedModel: str(r.requested_model),
    servedModel: strOrNull(r.served_model),
    stream: num(r.stream) !== 0,
    simulated: num(r.simulated) !== 0,
    inputUncached: num(r.input_uncached),
    cacheRead: num(r.cache_read),
    cacheWrite5m: num(r.cache_write_5m),
    cacheWrite1h: num(r.cache_write_1h),
    outputText: num(r.output_text),
    reasoning: num(r.reasoning),
    usageEstimated: num(r.usage_estimated) !== 0,
    cost: moneyOrNull(r.cost),
    baselineCost: moneyOrNull(r.baseline_cost),
    savings: parseSavings(r.savings),
    flags: JSON.parse(str(r.flags)) as string[],
    latencyMs: num(r.latency_ms),
    ttftMs: r.ttft_ms === null ? null : num(r.ttft_ms),
    status: str(r.status) as EntryStatus,
    httpStatus: num(r.http_status),
    errorClass: strOrNull(r.error_class),
  };
  if (r.meta !== null) entry.meta = JSON.parse(str(r.meta)) as Record<string, unknown>;
  return entry;
}

/** Parses the savings JSON column into exact picodollars per tactic. */
export function parseSavings(value: SqlValue): Record<string, Money> {
  const raw = JSON.parse(str(value)) as Record<string, string | number>;
  const out: Record<string, Money> = {};
  for (const [tactic, amount] of Object.entries(raw)) out[tactic] = BigInt(amount);
  return out;
}

export function num(v: SqlValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v === null) return 0;
  return Number(v);
}

export function money(v: SqlValue): Money {
  if (typeof v === 'bigint') return v;
  if (v === null) return 0n;
  if (typeof v === 'number') return BigInt(Math.round(v));
  return BigInt(v);
}

function moneyOrNull(v: SqlValue): Money | null {
  return v === null ? null : money(v);
}

function str(v: SqlValue): string {
  return typeof v === 'string' ? v : String(v);
}

function strOrNull(v: SqlValue): string | null {
  return v === null ? null : str(v);
}
