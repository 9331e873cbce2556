/**
 * Replay benchmark: Penny's router and cascade code over recorded model outcomes (RouteLLM GSM8K, MMLU,
 * MT-Bench; FrugalGPT OVERRULING). Writes bench/results/replay/summary.md and one SVG per dataset.
 *   node --import tsx bench/replay.ts [--dataset gsm8k|mmlu|mt_bench|overruling|all] [--out DIR] [--datasets DIR]
 * Exits 0 with a message when the datasets folder is absent.
 */
import { type ReplayDataset, runReplay } from '../src/bench/replay/cli.js';

const DATASETS: readonly ReplayDataset[] = ['gsm8k', 'mmlu', 'mt_bench', 'overruling', 'all'];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const dataset = (arg('dataset') ?? 'all') as ReplayDataset;
if (!DATASETS.includes(dataset)) {
  console.error(`replay: --dataset must be one of ${DATASETS.join(', ')}`);
  process.exit(2);
}
const started = Date.now();
const res = runReplay({
  dataset,
  out: arg('out') ?? 'bench/results/replay',
  ...(arg('datasets') ? { datasetsDir: arg('datasets')! } : {}),
  log: (l) => console.error(l),
});
if (res) {
  console.log(res.summary);
  console.error(`replay: wrote ${res.files.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}
