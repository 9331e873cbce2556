/**
 * Penny's ledger export: one JSON object per line, a LedgerEntry with every Money field written as a
 * decimal USD string ("0.007275", exact — never a float) and `ts` as ms since the epoch. `format` names
 * the version on every line so a file can be recognised from any line. `penny report --format jsonl`
 * writes it with `toLedgerExportLine`; the audit reads it back with `fromLedgerExportLine`.
 * Optional `meta.promptHash` (string) and `meta.maxTokens` (number) let the audit find duplicate prompts
 * and loose caps without prompt text.
 */
import type { EntryStatus, LedgerEntry } from '../core/ledger-entry.js';
import { moneyToDecimal, usd } from '../core/money.js';
import type { Money } from '../core/money.js';
import type { Dialect } from '../core/request.js';
import { hashString } from './hash.js';
import { type Obj, count, isDeferrable, isObj, obj, str, timestamp } from './json-shape.js';
import type { LineResult } from './line-result.js';

export const LEDGER_EXPORT_FORMAT = 'penny.ledger.v1';

export interface LedgerExportLine {
  format: typeof LEDGER_EXPORT_FORMAT;
  id: string;
  ts: number;
  feature: string | null;
  user: string | null;
  keyId: string | null;
  dialect: Dialect;
  provider: string | null;
  requestedModel: string;
  servedModel: string | null;
  stream: boolean;
  simulated: boolean;
  inputUncached: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  outputText: number;
  reasoning: number;
  usageEstimated: boolean;
  /** Decimal USD, or null when unknown. */
  cost: string | null;
  baselineCost: string | null;
  savings: Record<string, string>;
  flags: string[];
  latencyMs: number;
  ttftMs: number | null;
  status: EntryStatus;
  httpStatus: number;
  errorClass: string | null;
  meta?: Record<string, unknown>;
}

export function toLedgerExportLine(e: LedgerEntry): LedgerExportLine {
  const savings: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.savings)) savings[k] = moneyToDecimal(v);
  const line: LedgerExportLine = {
    format: LEDGER_EXPORT_FORMAT,
    id: e.id,
    ts: e.ts,
    feature: e.feature,
    user: e.user,
    keyId: e.keyId,
    dialect: e.dialect,
    provider: e.provider,
    requestedModel: e.requestedModel,
    servedModel: e.servedModel,
    stream: e.stream,
    simulated: e.simulated,
    inputUncached: e.inputUncached,
    cacheRead: e.cacheRead,
    cacheWrite5m: e.cacheWrite5m,
    cacheWrite1h: e.cacheWrite1h,
    outputText: e.outputText,
    reasoning: e.reasoning,
    usageEstimated: e.usageEstimated,
    cost: e.cost === null ? null : moneyToDecimal(e.cost),
    baselineCost: e.baselineCost === null ? null : moneyToDecimal(e.baselineCost),
    savings,
    flags: e.flags,
    latencyMs: e.latencyMs,
    ttftMs: e.ttftMs,
    status: e.status,
    httpStatus: e.httpStatus,
    errorClass: e.errorClass,
  };
  if (e.meta !== undefined) line.meta = e.meta;
  return line;
}

export function looksLedgerExport(o: Obj): boolean {
  return o.format === LEDGER_EXPORT_FORMAT || (typeof o.requestedModel === 'string' && 'inputUncached' in o);
}

function money(v: unknown, field: string): Money | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string' && typeof v !== 'number') throw new TypeError(`${field} is not a decimal amount`);
  return usd(v);
}

function tokens(o: Obj, field: string): number {
  const v = o[field];
  if (v === undefined || v === null) return 0;
  const n = count(v);
  if (n === undefined) throw new TypeError(`${field} is not a token count`);
  return n;
}

const STATUSES: readonly EntryStatus[] = ['ok', 'error', 'aborted'];

/** Validates one exported line back into a LedgerEntry; throws TypeError naming the bad field. */
export function fromLedgerExportLine(o: Obj): LedgerEntry {
  const requestedModel = str(o.requestedModel);
  if (!requestedModel) throw new TypeError('requestedModel is missing');
  const ts = timestamp(o.ts);
  if (ts === null) throw new TypeError('ts is missing or not a time');
  const status = STATUSES.includes(o.status as EntryStatus) ? (o.status as EntryStatus) : 'ok';
  const savings: Record<string, Money> = {};
  if (isObj(o.savings))
    for (const [k, v] of Object.entries(o.savings)) savings[k] = money(v, `savings.${k}`) ?? 0n;
  const entry: LedgerEntry = {
    id: str(o.id) ?? '',
    ts,
    feature: str(o.feature) ?? null,
    user: str(o.user) ?? null,
    keyId: str(o.keyId) ?? null,
    dialect: o.dialect === 'anthropic' ? 'anthropic' : 'openai',
    provider: str(o.provider) ?? null,
    requestedModel,
    servedModel: str(o.servedModel) ?? null,
    stream: o.stream === true,
    simulated: o.simulated === true,
    inputUncached: tokens(o, 'inputUncached'),
    cacheRead: tokens(o, 'cacheRead'),
    cacheWrite5m: tokens(o, 'cacheWrite5m'),
    cacheWrite1h: tokens(o, 'cacheWrite1h'),
    outputText: tokens(o, 'outputText'),
    reasoning: tokens(o, 'reasoning'),
    usageEstimated: o.usageEstimated === true,
    cost: money(o.cost, 'cost'),
    baselineCost: money(o.baselineCost, 'baselineCost'),
    savings,
    flags: Array.isArray(o.flags) ? o.flags.filter((f): f is string => typeof f === 'string') : [],
    latencyMs: count(o.latencyMs) ?? 0,
    ttftMs: count(o.ttftMs) ?? null,
    status,
    httpStatus: count(o.httpStatus) ?? 200,
    errorClass: str(o.errorClass) ?? null,
  };
  const meta = obj(o.meta);
  if (meta) entry.meta = meta;
  return entry;
}

export function parseLedgerLine(o: Obj, lineNo: number): LineResult {
  let e: LedgerEntry;
  try {
    e = fromLedgerExportLine(o);
  } catch (err) {
    return { kind: 'malformed', reason: (err as Error).message };
  }
  if (e.status === 'error' && e.cost === null) return { kind: 'skip', reason: 'error response (not billed)' };
  const promptHash = str(e.meta?.promptHash);
  const batch = e.flags.includes('batch') || e.meta?.batch === true;
  return {
    kind: 'record',
    record: {
      line: lineNo,
      format: 'ledger',
      ts: e.ts,
      feature: e.feature,
      user: e.user,
      provider: e.provider,
      model: e.servedModel ?? e.requestedModel,
      usage: {
        inputUncached: e.inputUncached,
        cacheRead: e.cacheRead,
        cacheWrite5m: e.cacheWrite5m,
        cacheWrite1h: e.cacheWrite1h,
        outputText: e.outputText,
        reasoning: e.reasoning,
        ...(e.usageEstimated ? { estimated: true } : {}),
      },
      maxTokens: count(e.meta?.maxTokens) ?? null,
      truncated: e.flags.includes('truncated'),
      batch,
      deferrable: !batch && isDeferrable(e.meta, e.feature),
      cost: e.cost,
      promptKey: promptHash ? hashString(`${e.servedModel ?? e.requestedModel}\u0000${promptHash}`) : null,
      prompt: null,
    },
  };
}
