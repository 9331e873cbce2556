/**
 * `penny cache stats` (hit rates per feature and savings by cache tactic) and `penny cache breakers`
 * (dynamic content early in system prompts that defeats provider prompt caching, with what it cost),
 * from the ledger over a time range, as text or JSON.
 */
import type { Ledger } from '../ledger/ledger.js';
import { cacheSummary, renderBreakers, renderCacheSection } from '../report/cache-section.js';
import { parseTimeRange } from '../report/time-range.js';

export interface CacheCommandOptions {
  ledger: Ledger;
  view: 'stats' | 'breakers';
  since?: string;
  from?: string;
  to?: string;
  json?: boolean;
  now?: number;
}

export async function cacheCommand(opts: CacheCommandOptions): Promise<string> {
  const range = parseTimeRange({ since: opts.since, from: opts.from, to: opts.to }, opts.now ?? Date.now());
  const summary = await cacheSummary(opts.ledger, range);
  if (opts.json) {
    const data = opts.view === 'breakers' ? { breakers: summary.breakers } : summary;
    return JSON.stringify(data, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
  }
  return opts.view === 'breakers' ? renderBreakers(summary) : renderCacheSection(summary).trimEnd();
}
