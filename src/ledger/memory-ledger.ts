/**
 * A ledger held in memory: for tests and for the in-process library when no file is wanted.
 * It stores copies of entries (a caller mutating an entry after `append` does not change the ledger) and
 * keeps insertion order so equal timestamps come back newest-appended first, like the SQL stores.
 */
import type { LedgerEntry } from '../core/ledger-entry.js';
import { totalSavings } from '../core/ledger-entry.js';
import type { Money } from '../core/money.js';
import { groupValue, matchesFilter } from './group-keys.js';
import type { GroupKey, Ledger, LedgerFilter, SummaryRow } from './ledger.js';
import { SummaryAccumulator, sortTactics } from './summary-accumulator.js';

export class MemoryLedger implements Ledger {
  readonly #entries: LedgerEntry[] = [];

  append(entry: LedgerEntry): void {
    this.#entries.push(copyEntry(entry));
  }

  /** Nothing is buffered: entries are visible as soon as they are appended. */
  async flush(): Promise<void> {}

  /** Nothing to release; the entries stay readable. */
  async close(): Promise<void> {}

  async query(filter: LedgerFilter = {}): Promise<LedgerEntry[]> {
    const out: LedgerEntry[] = [];
    // Walk backwards so ties on ts keep newest-appended first after the stable sort.
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const e = this.#entries[i]!;
      if (matchesFilter(e, filter)) out.push(e);
    }
    out.sort((a, b) => b.ts - a.ts);
    const limited = filter.limit !== undefined ? out.slice(0, Math.max(0, filter.limit)) : out;
    return limited.map(copyEntry);
  }

  async summarize(filter: LedgerFilter, groupBy: GroupKey[]): Promise<SummaryRow[]> {
    const acc = new SummaryAccumulator(groupBy);
    for (const e of this.#entries) {
      if (!matchesFilter(e, filter)) continue;
      acc.add({
        values: groupBy.map((k) => groupValue(e, k)),
        status: e.status,
        inputUncached: e.inputUncached,
        cacheRead: e.cacheRead,
        cacheWrite: e.cacheWrite5m + e.cacheWrite1h,
        outputText: e.outputText,
        reasoning: e.reasoning,
        cost: e.cost,
        baselineCost: e.baselineCost,
        savingsTotal: totalSavings(e),
      });
    }
    return acc.rows();
  }

  async savingsByTactic(filter: LedgerFilter): Promise<Record<string, Money>> {
    const totals = new Map<string, Money>();
    for (const e of this.#entries) {
      if (!matchesFilter(e, filter)) continue;
      for (const [tactic, amount] of Object.entries(e.savings)) {
        totals.set(tactic, (totals.get(tactic) ?? 0n) + amount);
      }
    }
    return sortTactics(totals);
  }
}

function copyEntry(e: LedgerEntry): LedgerEntry {
  const copy: LedgerEntry = { ...e, savings: { ...e.savings }, flags: [...e.flags] };
  if (e.meta !== undefined) copy.meta = cloneMeta(e.meta);
  return copy;
}

function cloneMeta(meta: Record<string, unknown>): Record<string, unknown> {
  try {
    return structuredClone(meta);
  } catch {
    // Not cloneable (e.g. holds a function): keep a shallow copy rather than throw on the request path.
    return { ...meta };
  }
}
