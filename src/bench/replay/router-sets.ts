/**
 * The shared datasets as two-model router data, by name, for `bench:router --sets` and
 * `bench/router-selection.ts`: GSM8K, MMLU and MT-Bench as loaded, and FrugalGPT OVERRULING as the two ends
 * of its cost–quality frontier (its cheapest and its best model, as `penny router train --input` picks
 * them from an outcome file).
 */
import { loadGsm8k, loadMmlu, loadMtBench, loadOverruling } from './datasets.js';
import { frontierOf, Split, singleModels } from './evidence.js';
import { segmentRecords } from './outcome-bench.js';
import { outcomesFromOverruling } from './outcomes.js';
import type { TransferDataset } from './router-transfer.js';

export function overrulingTwoModel(root: string): TransferDataset & { cheap: string; strong: string } {
  const ds = outcomesFromOverruling(loadOverruling(root));
  const hull = frontierOf(singleModels(new Split(ds.records, ds.models), ds.models));
  const cheap = hull[0]!.model;
  const strong = hull[hull.length - 1]!.model;
  return {
    name: 'overruling',
    binary: true,
    records: segmentRecords(ds.records, cheap, strong),
    cheap,
    strong,
  };
}

export const ROUTER_SETS: Readonly<Record<string, (root: string) => TransferDataset>> = {
  gsm8k: loadGsm8k,
  mmlu: loadMmlu,
  mt_bench: loadMtBench,
  overruling: overrulingTwoModel,
};

/** The named sets, or an Error naming the unknown ones. */
export function routerSets(names: string): string[] {
  const sets = names.split(',').map((s) => s.trim());
  const unknown = sets.filter((s) => ROUTER_SETS[s] === undefined);
  if (sets.length === 0 || unknown.length > 0) {
    throw new Error(
      `--sets: unknown ${unknown.join(', ')} (choose from ${Object.keys(ROUTER_SETS).join(', ')})`,
    );
  }
  return sets;
}
