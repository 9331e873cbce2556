/**
 * Exact in-memory aggregation into SummaryRows, and the one ordering every store returns them in
 * (known cost descending, then group values ascending). The memory ledger aggregates with it; SQL stores
 * use it as the fallback when a 64-bit SUM would overflow, so sums stay exact bigints either way.
 */
import type { EntryStatus } from '../core/ledger-entry.js';
import type { Money } from '../core/money.js';
import type { GroupKey, SummaryRow } from './ledger.js';

/** One entry reduced to what a summary needs. */
export interface SummaryInput {
  /** Group values in key order, already mapped ("(none)" for null). */
  values: readonly string[];
  status: EntryStatus;
  inputUncached: number;
  cacheRead: number;
  cacheWrite: number;
  outputText: number;
  reasoning: number;
  cost: Money | null;
  baselineCost: Money | null;
  savingsTotal: Money;
}

export function emptySummaryRow(group: Record<string, string>): SummaryRow {
  return {
    group,
    requests: 0,
    errors: 0,
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    cost: 0n,
    unpriced: 0,
    baselineCost: 0n,
    savings: 0n,
  };
}

export class SummaryAccumulator {
  readonly #keys: readonly GroupKey[];
  readonly #rows = new Map<string, SummaryRow>();

  constructor(keys: readonly GroupKey[]) {
    this.#keys = keys;
  }

  add(input: SummaryInput): void {
    // \u0000 cannot appear in a group label written by a sane client; it only separates the parts.
    const id = input.values.join('\u0000');
    let row = this.#rows.get(id);
    if (!row) {
      const group: Record<string, string> = {};
      this.#keys.forEach((k, i) => {
        group[k] = input.values[i] ?? '';
      });
      row = emptySummaryRow(group);
      this.#rows.set(id, row);
    }
    row.requests += 1;
    if (input.status === 'error') row.errors += 1;
    row.inputTokens += input.inputUncached;
    row.cacheReadTokens += input.cacheRead;
    row.cacheWriteTokens += input.cacheWrite;
    row.outputTokens += input.outputText;
    row.reasoningTokens += input.reasoning;
    if (input.cost === null) row.unpriced += 1;
    else row.cost += input.cost;
    if (input.baselineCost !== null) row.baselineCost += input.baselineCost;
    row.savings += input.savingsTotal;
  }

  /** The rows in the canonical order; with no keys, exactly one (possibly empty) total row. */
  rows(): SummaryRow[] {
    if (this.#keys.length === 0) return [this.#rows.get('') ?? emptySummaryRow({})];
    return sortSummaryRows([...this.#rows.values()], this.#keys);
  }
}

/** Sorts in place: known cost descending, then group values ascending in key order. */
export function sortSummaryRows(rows: SummaryRow[], keys: readonly GroupKey[]): SummaryRow[] {
  return rows.sort((a, b) => {
    if (a.cost !== b.cost) return a.cost > b.cost ? -1 : 1;
    for (const k of keys) {
      const x = a.group[k] ?? '';
      const y = b.group[k] ?? '';
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
}

/** Orders a tactic → amount map by amount descending, then name. */
export function sortTactics(totals: Map<string, Money>): Record<string, Money> {
  const out: Record<string, Money> = {};
  const entries = [...totals.entries()].sort(([ta, a], [tb, b]) => {
    if (a !== b) return a > b ? -1 : 1;
    return ta < tb ? -1 : ta > tb ? 1 : 0;
  });
  for (const [t, v] of entries) out[t] = v;
  return out;
}
