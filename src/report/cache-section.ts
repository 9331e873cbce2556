/**
 * The caching part of `penny report` and `penny cache`: hit rates per feature (exact, semantic,
 * de-duplicated, shadow), savings by cache tactic, and the prefix breakers found in system prompts with
 * what they cost. Computed from the ledger entries' `meta.cache` / `meta.promptCache` and savings, which
 * the SQL summaries do not aggregate, so entries are read once (within the time range).
 */
import Table from 'cli-table3';
import type { LedgerEntry } from '../core/ledger-entry.js';
import { type Money, formatUsd, usd } from '../core/money.js';
import type { CacheMetaAggregates, Ledger, LedgerFilter } from '../ledger/ledger.js';
import { formatInt, formatPercent } from './format.js';

export interface CacheFeatureRow {
  feature: string;
  /** Requests the response cache looked at (hit, miss, dedupe, shadow-hit, refresh). */
  cacheable: number;
  bypassed: number;
  exactHits: number;
  semanticHits: number;
  dedupe: number;
  shadowHits: number;
  /** (exact + semantic + dedupe) / cacheable, 0..1 (display only). */
  hitRate: number;
  /** Σ cache.* savings of the feature. */
  saved: Money;
}

export interface BreakerRow {
  feature: string;
  kind: string;
  requests: number;
  lostTokens: number;
  /** Σ lost cost over the requests (unpriced ones left out). */
  lostCost: Money;
  before: string;
}

export interface CacheSummary {
  features: CacheFeatureRow[];
  byTactic: Array<{ tactic: string; amount: Money }>;
  /** Requests whose prompt Penny marked for provider caching, or gave a prompt_cache_key. */
  promptCached: number;
  breakers: BreakerRow[];
}

interface CacheMetaView {
  status?: string;
  kind?: string;
}
interface PromptMetaView {
  placed?: unknown[];
  promptCacheKey?: string;
  breaker?: { kind?: string; lostTokens?: number; lostCost?: string | null; before?: string };
}

export function summarizeCache(entries: Iterable<LedgerEntry>): CacheSummary {
  const features = new Map<string, CacheFeatureRow>();
  const tactics = new Map<string, Money>();
  const breakers = new Map<string, BreakerRow>();
  let promptCached = 0;
  for (const e of entries) {
    const feature = e.feature ?? '(none)';
    const cache = e.meta?.cache as CacheMetaView | undefined;
    let saved = 0n;
    for (const [tactic, amount] of Object.entries(e.savings)) {
      if (!tactic.startsWith('cache.')) continue;
      tactics.set(tactic, (tactics.get(tactic) ?? 0n) + amount);
      saved += amount;
    }
    if (cache?.status) {
      let row = features.get(feature);
      if (!row) {
        row = {
          feature,
          cacheable: 0,
          bypassed: 0,
          exactHits: 0,
          semanticHits: 0,
          dedupe: 0,
          shadowHits: 0,
          hitRate: 0,
          saved: 0n,
        };
        features.set(feature, row);
      }
      row.saved += saved;
      if (cache.status === 'bypass') row.bypassed++;
      else {
        row.cacheable++;
        if (cache.status === 'hit' && cache.kind === 'semantic') row.semanticHits++;
        else if (cache.status === 'hit') row.exactHits++;
        else if (cache.status === 'dedupe') row.dedupe++;
        else if (cache.status === 'shadow-hit') row.shadowHits++;
      }
    }
    const prompt = e.meta?.promptCache as PromptMetaView | undefined;
    if (prompt?.placed?.length || prompt?.promptCacheKey) promptCached++;
    const b = prompt?.breaker;
    if (b?.kind) {
      const key = `${feature}\u0000${b.kind}`;
      let row = breakers.get(key);
      if (!row) {
        row = { feature, kind: b.kind, requests: 0, lostTokens: 0, lostCost: 0n, before: b.before ?? '' };
        breakers.set(key, row);
      }
      row.requests++;
      row.lostTokens += b.lostTokens ?? 0;
      if (typeof b.lostCost === 'string') row.lostCost += usd(b.lostCost);
    }
  }
  for (const r of features.values()) {
    r.hitRate = r.cacheable ? (r.exactHits + r.semanticHits + r.dedupe) / r.cacheable : 0;
  }
  return {
    features: [...features.values()].sort(byFeatureOrder),
    byTactic: [...tactics.entries()].map(([tactic, amount]) => ({ tactic, amount })).sort(byTacticOrder),
    promptCached,
    breakers: [...breakers.values()].sort(byBreakerOrder),
  };
}

export async function cacheSummary(ledger: Ledger, filter: LedgerFilter = {}): Promise<CacheSummary> {
  if (ledger.cacheMetaAggregates) {
    const [agg, tactics] = await Promise.all([
      ledger.cacheMetaAggregates(filter),
      ledger.savingsByTactic(filter),
    ]);
    return cacheSummaryFromAggregates(agg, tactics);
  }
  return summarizeCache(await ledger.query(filter));
}

/** The same summary as `summarizeCache`, from counts a store aggregated in its database. */
export function cacheSummaryFromAggregates(
  agg: CacheMetaAggregates,
  tactics: Record<string, Money>,
): CacheSummary {
  const features = new Map<string, CacheFeatureRow>();
  for (const c of agg.cache) {
    let row = features.get(c.feature);
    if (!row) {
      row = {
        feature: c.feature,
        cacheable: 0,
        bypassed: 0,
        exactHits: 0,
        semanticHits: 0,
        dedupe: 0,
        shadowHits: 0,
        hitRate: 0,
        saved: 0n,
      };
      features.set(c.feature, row);
    }
    row.saved += c.cacheSaved;
    if (c.status === 'bypass') row.bypassed += c.requests;
    else {
      row.cacheable += c.requests;
      if (c.status === 'hit' && c.kind === 'semantic') row.semanticHits += c.requests;
      else if (c.status === 'hit') row.exactHits += c.requests;
      else if (c.status === 'dedupe') row.dedupe += c.requests;
      else if (c.status === 'shadow-hit') row.shadowHits += c.requests;
    }
  }
  for (const r of features.values()) {
    r.hitRate = r.cacheable ? (r.exactHits + r.semanticHits + r.dedupe) / r.cacheable : 0;
  }
  const breakers: BreakerRow[] = agg.breakers.map((b) => ({
    feature: b.feature,
    kind: b.kind,
    requests: b.requests,
    lostTokens: b.lostTokens,
    lostCost: usd(b.lostCostUsd),
    before: b.before,
  }));
  return {
    features: [...features.values()].sort(byFeatureOrder),
    byTactic: Object.entries(tactics)
      .filter(([tactic]) => tactic.startsWith('cache.'))
      .map(([tactic, amount]) => ({ tactic, amount }))
      .sort(byTacticOrder),
    promptCached: agg.promptCached,
    breakers: breakers.sort(byBreakerOrder),
  };
}

export function isEmptyCacheSummary(s: CacheSummary): boolean {
  return (
    s.features.length === 0 && s.byTactic.length === 0 && s.breakers.length === 0 && s.promptCached === 0
  );
}

function table(head: string[], colAligns: Table.HorizontalAlignment[]): Table.Table {
  return new Table({
    head,
    colAligns,
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: { head: [], border: [] },
  });
}

/** The cache section of the text report. */
export function renderCacheSection(s: CacheSummary): string {
  const out: string[] = ['Caching'];
  if (isEmptyCacheSummary(s)) return `${out[0]}\nnothing cached or marked in this range\n`;
  if (s.features.length) {
    const t = table(
      ['feature', 'looked up', 'exact', 'semantic', 'in-flight', 'hit rate', 'shadow', 'bypassed', 'saved'],
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    );
    for (const r of s.features) {
      t.push([
        r.feature,
        formatInt(r.cacheable),
        formatInt(r.exactHits),
        formatInt(r.semanticHits),
        formatInt(r.dedupe),
        r.cacheable ? `${(r.hitRate * 100).toFixed(1)}%` : '–',
        formatInt(r.shadowHits),
        formatInt(r.bypassed),
        formatUsd(r.saved),
      ]);
    }
    out.push(t.toString());
  }
  if (s.byTactic.length) {
    const total = s.byTactic.reduce((a, b) => a + b.amount, 0n);
    const t = table(['cache tactic', 'saved', 'share'], ['left', 'right', 'right']);
    for (const r of s.byTactic) t.push([r.tactic, formatUsd(r.amount), formatPercent(r.amount, total)]);
    out.push(t.toString());
  }
  out.push(`Provider prompt caching placed by Penny on ${formatInt(s.promptCached)} requests.`);
  if (s.breakers.length) out.push('', renderBreakers(s));
  return `${out.join('\n')}\n`;
}

/** Prefix breakers by feature and kind, costliest first. */
export function renderBreakers(s: CacheSummary): string {
  if (s.breakers.length === 0)
    return 'No prefix breakers found: system prompts are stable from one request to the next.';
  const t = table(
    ['feature', 'breaker', 'requests', 'tokens not cached', 'lost', 'found after'],
    ['left', 'left', 'right', 'right', 'right', 'left'],
  );
  for (const b of s.breakers) {
    t.push([
      b.feature,
      b.kind,
      formatInt(b.requests),
      formatInt(b.lostTokens),
      formatUsd(b.lostCost),
      JSON.stringify(b.before),
    ]);
  }
  return [
    'Prefix breakers (dynamic content early in a system prompt defeats provider prompt caching;',
    'move it to the end of the prompt or into the user message):',
    t.toString(),
  ].join('\n');
}

// One total order for each list, whichever way the numbers were gathered (ties by name, so the output of
// the same ledger never depends on the order a database returned its groups in).
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byFeatureOrder(a: CacheFeatureRow, b: CacheFeatureRow): number {
  if (a.saved !== b.saved) return a.saved > b.saved ? -1 : 1;
  return b.cacheable - a.cacheable || byName(a.feature, b.feature);
}

function byTacticOrder(a: { tactic: string; amount: Money }, b: { tactic: string; amount: Money }): number {
  if (a.amount !== b.amount) return a.amount > b.amount ? -1 : 1;
  return byName(a.tactic, b.tactic);
}

function byBreakerOrder(a: BreakerRow, b: BreakerRow): number {
  if (a.lostCost !== b.lostCost) return a.lostCost > b.lostCost ? -1 : 1;
  return b.requests - a.requests || byName(a.feature, b.feature) || byName(a.kind, b.kind);
}
