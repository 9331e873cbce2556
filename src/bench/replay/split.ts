/**
 * The fixed train/test split: a record is in the test half when the top bit of the 32-bit hash
 * (FNV-1a, then Murmur3's finaliser) of "penny-split-v1:" + its id is set. Ids are the prompt text (GSM8K, MMLU), `q<question_id>`
 * (MT-Bench) or the row index (OVERRULING), so the split is stable across machines and runs and needs
 * no stored file. Every choice a router makes (weights, thresholds, cascade chains) uses train only.
 */
import { hash32 } from '../../pipeline/route/sparse-hash.js';

export type Half = 'train' | 'test';

export function splitOf(id: string): Half {
  return hash32(`penny-split-v1:${id}`) >>> 31 === 1 ? 'test' : 'train';
}

export function splitRecords<T extends { id: string }>(records: readonly T[]): { train: T[]; test: T[] } {
  const train: T[] = [];
  const test: T[] = [];
  for (const r of records) (splitOf(r.id) === 'test' ? test : train).push(r);
  return { train, test };
}
