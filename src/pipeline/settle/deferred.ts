/**
 * The money of a deferred (Batch API) answer: its usage at the catalog's batch rates is the cost; the same
 * usage at the standard rates of the model asked for is the baseline; the difference is the `batch` saving.
 * Batch rates missing from the catalog are assumed 0.5× and flagged (pricing/cost.ts).
 */
import type { Money } from '../../core/money.js';
import type { Usage } from '../../core/usage.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import { computeCost } from '../../pricing/cost.js';

export interface DeferredSettlement {
  cost: Money | null;
  baselineCost: Money | null;
  savings: Record<string, Money>;
  flags: string[];
}

export function settleDeferred(
  usage: Usage,
  served: { model: string; provider: string },
  requestedModel: string,
  catalog: PriceCatalog,
): DeferredSettlement {
  const batch = computeCost(usage, catalog.lookup(served.model, served.provider), { batch: true });
  const standard = computeCost(usage, catalog.lookup(requestedModel));
  const flags = [...new Set([...batch.flags, ...standard.flags, 'batch_api'])];
  if (batch.cost === null || standard.cost === null)
    return {
      cost: batch.cost,
      baselineCost: standard.cost,
      savings: {},
      flags: flags.includes('unpriced_model') ? flags : [...flags, 'unpriced_model'],
    };
  return {
    cost: batch.cost,
    baselineCost: standard.cost,
    savings: { batch: standard.cost - batch.cost },
    flags,
  };
}
