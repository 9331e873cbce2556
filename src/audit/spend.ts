/**
 * Where the money goes: exact spend per feature, user and model, and the 80/20 (Pareto) view of features.
 * Rows are capped (200k users, 20k features/models); keys past the cap are summed into one "(other)" row,
 * so memory stays bounded whatever the log holds.
 */
import type { Money } from '../core/money.js';
import { totalInputTokens, totalOutputTokens } from '../core/usage.js';
import { CappedMap, DEFAULT_MAX_KEYS } from './bounded-counter.js';
import type { AuditRecord, ParetoView, SpendRow } from './types.js';

export const NONE_KEY = '(none)';
export const OTHER_KEY = '(other)';

/**
 * A row being summed. Costs go into a float while it stays an exact integer (below 2^53 picodollars,
 * about $9,000) and are moved into the bigint before it could lose a digit: exact, with no bigint
 * allocation per record.
 */
interface Acc {
  requests: number;
  small: number;
  big: Money;
  unpriced: number;
  inputTokens: number;
  outputTokens: number;
}

function newRow(): Acc {
  return { requests: 0, small: 0, big: 0n, unpriced: 0, inputTokens: 0, outputTokens: 0 };
}

const SAFE = Number.MAX_SAFE_INTEGER;

function addCost(row: Acc, cost: Money): void {
  const c = Number(cost);
  if (c <= SAFE && c >= 0 && row.small <= SAFE - c) row.small += c;
  else {
    row.big += BigInt(row.small) + cost;
    row.small = 0;
  }
}

export class SpendAggregator {
  readonly #feature: CappedMap<Acc>;
  readonly #user: CappedMap<Acc>;
  readonly #model: CappedMap<Acc>;
  readonly #total: Acc = newRow();
  requests = 0;
  unpriced = 0;
  estimatedUsage = 0;

  constructor(maxUsers = DEFAULT_MAX_KEYS, maxGroups = 20_000) {
    this.#feature = new CappedMap(maxGroups, OTHER_KEY);
    this.#user = new CappedMap(maxUsers, OTHER_KEY);
    this.#model = new CappedMap(maxGroups, OTHER_KEY);
  }

  add(r: AuditRecord, cost: Money | null): void {
    const input = totalInputTokens(r.usage);
    const output = totalOutputTokens(r.usage);
    this.requests++;
    if (cost === null) this.unpriced++;
    else addCost(this.#total, cost);
    if (r.usage.estimated) this.estimatedUsage++;
    addTo(this.#feature.slot(r.feature ?? NONE_KEY, newRow), cost, input, output);
    addTo(this.#user.slot(r.user ?? NONE_KEY, newRow), cost, input, output);
    addTo(this.#model.slot(r.model, newRow), cost, input, output);
  }

  get total(): Money {
    return this.#total.big + BigInt(this.#total.small);
  }

  byFeature(): SpendRow[] {
    return sortRows(this.#feature);
  }

  byUser(): SpendRow[] {
    return sortRows(this.#user);
  }

  byModel(): SpendRow[] {
    return sortRows(this.#model);
  }

  get capped(): { features: boolean; users: boolean; models: boolean } {
    return {
      features: this.#feature.overflowed,
      users: this.#user.overflowed,
      models: this.#model.overflowed,
    };
  }
}

function addTo(row: Acc, cost: Money | null, input: number, output: number): void {
  row.requests++;
  if (cost === null) row.unpriced++;
  else addCost(row, cost);
  row.inputTokens += input;
  row.outputTokens += output;
}

function sortRows(map: CappedMap<Acc>): SpendRow[] {
  const rows: SpendRow[] = [];
  for (const [key, v] of map.entries()) {
    rows.push({
      key,
      requests: v.requests,
      cost: v.big + BigInt(v.small),
      unpriced: v.unpriced,
      inputTokens: v.inputTokens,
      outputTokens: v.outputTokens,
    });
  }
  return rows.sort((a, b) =>
    a.cost !== b.cost ? (a.cost > b.cost ? -1 : 1) : b.requests - a.requests || (a.key < b.key ? -1 : 1),
  );
}

/** The 80/20 view over rows already sorted by cost descending. */
export function pareto(rows: SpendRow[]): ParetoView {
  const total = rows.reduce((s, r) => s + r.cost, 0n);
  const points: ParetoView['points'] = [];
  let cumulative = 0n;
  let featuresFor80 = 0;
  for (const r of rows) {
    cumulative += r.cost;
    points.push({ key: r.key, cost: r.cost, cumulative });
    // cumulative / total >= 0.8, exactly: 10 × cumulative >= 8 × total
    if (featuresFor80 === 0 && total > 0n && cumulative * 10n >= total * 8n) featuresFor80 = points.length;
  }
  const top = Math.max(1, Math.ceil(rows.length * 0.2));
  const topCost = points[Math.min(top, points.length) - 1]?.cumulative ?? 0n;
  return {
    points,
    featuresFor80,
    featureCount: rows.length,
    top20Share: total > 0n ? Number((topCost * 1_000_000n) / total) / 1_000_000 : 0,
  };
}
