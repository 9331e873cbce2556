/**
 * The dashboard's overview: one JSON document per time range, built from the Ledger interface
 * (`summarize` and `savingsByTactic` for exact totals; `query` over the newest entries for what only a
 * single entry can say — cache hits, cascade escalations, the most expensive requests). Money leaves as
 * exact decimal strings; the browser turns them into numbers only to draw.
 */
import { moneyToDecimal } from '../core/money.js';
import type { Ledger, LedgerFilter, SummaryRow } from '../ledger/ledger.js';
import { cascadeSignal, promptCacheHit, responseCacheHit } from '../metrics/entry-signals.js';
import { SIMULATED_PROVIDER } from '../providers/simulated/simulated.js';
import type { ApiRange } from './api-range.js';
import type { BudgetStatus } from './budget-status.js';
import { byCostDesc, type RequestRow, toRequestRow } from './request-rows.js';

const DAY_MS = 86_400_000;

export interface GroupRow {
  key: string;
  requests: number;
  errors: number;
  cost: string;
  baselineCost: string;
  savings: string;
  /** Requests whose cost is unknown (not included in `cost`). */
  unpriced: number;
  inputUncachedTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
}

export interface DayRow extends GroupRow {
  day: string;
}

export interface Overview {
  range: { from: number | null; to: number | null };
  totals: GroupRow;
  /** Every UTC day from the first to the last with data (or the range's bounds), oldest first. */
  days: DayRow[];
  byFeature: GroupRow[];
  byUser: GroupRow[];
  /** Users beyond the listed ones. */
  moreUsers: number;
  byModel: GroupRow[];
  savingsByTactic: Array<{ tactic: string; amount: string }>;
  /** Per day (same order as `days`): tactic → savings. */
  savingsByDay: Array<{ day: string; tactics: Record<string, string> }>;
  cache: {
    scanned: number;
    responseHits: number;
    responseHitRate: number;
    hitsByKind: Record<string, number>;
    promptCacheHits: number;
    promptCacheHitRate: number;
    /** Share of input tokens read from provider prompt caches (exact, over the whole range). */
    cacheReadShare: number;
  };
  /** null when no request in the scan went through a cascade. */
  cascade: { cascaded: number; escalated: number; escalationRate: number } | null;
  budgets: BudgetStatus;
  /** Requests answered by the simulated upstream (no provider configured): not real spend. */
  simulated: GroupRow;
  topRequests: RequestRow[];
  /** Entries read for the per-request views; `truncated` = the range holds more than `limit`. */
  scan: { scanned: number; limit: number; truncated: boolean };
}

export interface OverviewOptions {
  now: number;
  budgets: BudgetStatus;
  /** Newest entries read for the per-request views (default 20,000). */
  scanLimit?: number;
  /** Rows in the most-expensive list (default 20). */
  topN?: number;
  /** Most days charted (default 120, the newest). */
  maxDays?: number;
  /** Most users listed (default 25). */
  maxUsers?: number;
}

export async function buildOverview(ledger: Ledger, range: ApiRange, o: OverviewOptions): Promise<Overview> {
  const f: LedgerFilter = rangeFilter(range);
  const scanLimit = o.scanLimit ?? 20_000;
  const maxUsers = o.maxUsers ?? 25;
  const [totalRows, dayRows, featureRows, userRows, modelRows, tactics, scanned, providerRows] =
    await Promise.all([
      ledger.summarize(f, []),
      ledger.summarize(f, ['day']),
      ledger.summarize(f, ['feature']),
      ledger.summarize(f, ['user']),
      ledger.summarize(f, ['model']),
      ledger.savingsByTactic(f),
      ledger.query({ ...f, limit: scanLimit + 1 }),
      ledger.summarize(f, ['provider']),
    ]);
  const simulated = toGroupRow(
    SIMULATED_PROVIDER,
    providerRows.find((r) => r.group.provider === SIMULATED_PROVIDER),
  );
  const truncated = scanned.length > scanLimit;
  const entries = truncated ? scanned.slice(0, scanLimit) : scanned;
  const totals = toGroupRow('total', totalRows[0]);
  const days = fillDays(dayRows, range, o.now, o.maxDays ?? 120);

  const savingsByDay: Overview['savingsByDay'] = [];
  for (const d of days) {
    const tacticsOfDay: Record<string, string> = {};
    if (d.savings !== '0') {
      const start = Date.parse(`${d.day}T00:00:00Z`);
      const dayFilter = {
        from: Math.max(start, range.from ?? start),
        to: Math.min(start + DAY_MS, range.to ?? start + DAY_MS),
      };
      for (const [t, v] of Object.entries(await ledger.savingsByTactic(dayFilter)))
        tacticsOfDay[t] = moneyToDecimal(v);
    }
    savingsByDay.push({ day: d.day, tactics: tacticsOfDay });
  }

  let responseHits = 0;
  let promptHits = 0;
  let okRequests = 0;
  const hitsByKind: Record<string, number> = {};
  let cascaded = 0;
  let escalated = 0;
  for (const e of entries) {
    if (e.status === 'ok') okRequests += 1;
    const hit = responseCacheHit(e);
    if (hit) {
      responseHits += 1;
      hitsByKind[hit] = (hitsByKind[hit] ?? 0) + 1;
    }
    if (promptCacheHit(e)) promptHits += 1;
    const c = cascadeSignal(e);
    if (c) {
      cascaded += 1;
      if (c.escalated) escalated += 1;
    }
  }
  const totalInput = totals.inputUncachedTokens + totals.cacheReadTokens + totals.cacheWriteTokens;

  return {
    range: { from: range.from ?? null, to: range.to ?? null },
    totals,
    days,
    byFeature: featureRows.map((r) => toGroupRow(r.group.feature ?? '', r)),
    byUser: userRows.slice(0, maxUsers).map((r) => toGroupRow(r.group.user ?? '', r)),
    moreUsers: Math.max(0, userRows.length - maxUsers),
    byModel: modelRows.map((r) => toGroupRow(r.group.model ?? '', r)),
    savingsByTactic: Object.entries(tactics).map(([tactic, v]) => ({ tactic, amount: moneyToDecimal(v) })),
    savingsByDay,
    cache: {
      scanned: entries.length,
      responseHits,
      responseHitRate: ratio(responseHits, okRequests),
      hitsByKind,
      promptCacheHits: promptHits,
      promptCacheHitRate: ratio(promptHits, okRequests),
      cacheReadShare: ratio(totals.cacheReadTokens, totalInput),
    },
    cascade: cascaded ? { cascaded, escalated, escalationRate: ratio(escalated, cascaded) } : null,
    budgets: o.budgets,
    simulated,
    topRequests: [...entries]
      .sort(byCostDesc)
      .slice(0, o.topN ?? 20)
      .map(toRequestRow),
    scan: { scanned: entries.length, limit: scanLimit, truncated },
  };
}

export function rangeFilter(range: ApiRange): LedgerFilter {
  return {
    ...(range.from !== undefined ? { from: range.from } : {}),
    ...(range.to !== undefined ? { to: range.to } : {}),
  };
}

export function toGroupRow(key: string, r: SummaryRow | undefined): GroupRow {
  return {
    key,
    requests: r?.requests ?? 0,
    errors: r?.errors ?? 0,
    cost: moneyToDecimal(r?.cost ?? 0n),
    baselineCost: moneyToDecimal(r?.baselineCost ?? 0n),
    savings: moneyToDecimal(r?.savings ?? 0n),
    unpriced: r?.unpriced ?? 0,
    inputUncachedTokens: r?.inputTokens ?? 0,
    cacheReadTokens: r?.cacheReadTokens ?? 0,
    cacheWriteTokens: r?.cacheWriteTokens ?? 0,
    outputTokens: r?.outputTokens ?? 0,
    reasoningTokens: r?.reasoningTokens ?? 0,
  };
}

/**
 * Day rows oldest first, with empty days filled in so the time axis is continuous. The span runs from the
 * range's start (or the first day with data) to its end (today for an open-ended range; the last day with
 * data for all time); beyond `maxDays` the newest days are kept.
 */
export function fillDays(rows: SummaryRow[], range: ApiRange, now: number, maxDays: number): DayRow[] {
  const byDay = new Map(rows.map((r) => [r.group.day ?? '', r]));
  const known = [...byDay.keys()].sort();
  if (known.length === 0 && range.from === undefined) return [];
  const first = range.from !== undefined ? utcDayStart(range.from) : Date.parse(`${known[0]}T00:00:00Z`);
  // An open end ("last 7 days") runs to today; all time ends at the last day with data.
  const endTs =
    range.to !== undefined
      ? range.to - 1
      : range.from !== undefined
        ? Math.max(now, lastKnown(known))
        : lastKnown(known);
  let start = first;
  const end = utcDayStart(Math.max(endTs, first));
  if ((end - start) / DAY_MS + 1 > maxDays) start = end - (maxDays - 1) * DAY_MS;
  const out: DayRow[] = [];
  for (let t = start; t <= end; t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    out.push({ day, ...toGroupRow(day, byDay.get(day)) });
  }
  return out;
}

function lastKnown(days: string[]): number {
  const last = days[days.length - 1];
  return last ? Date.parse(`${last}T00:00:00Z`) : 0;
}

function utcDayStart(ts: number): number {
  return Math.floor(ts / DAY_MS) * DAY_MS;
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}
