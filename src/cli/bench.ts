/**
 * `penny bench replay`: a thin shell over the replay benchmark (`runReplay`), which runs Penny's own router
 * and cascade code over recorded model outcomes and writes `summary.md` plus one SVG per dataset.
 * Progress goes to stderr and the summary to stdout, so `> summary.md` captures only the report.
 */
import { type ReplayDataset, type ReplayResult, runReplay } from '../bench/replay/cli.js';

export const REPLAY_DATASETS: readonly ReplayDataset[] = ['gsm8k', 'mmlu', 'mt_bench', 'overruling', 'all'];

export interface BenchReplayCommandOptions {
  dataset?: ReplayDataset;
  out?: string;
  datasets?: string;
  log?: (line: string) => void;
  print?: (text: string) => void;
}

export function benchReplayCommand(o: BenchReplayCommandOptions): ReplayResult | null {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const started = Date.now();
  const res = runReplay({
    dataset: o.dataset ?? 'all',
    out: o.out ?? 'bench/results/replay',
    ...(o.datasets ? { datasetsDir: o.datasets } : {}),
    log,
  });
  if (res) {
    (o.print ?? ((t: string) => process.stdout.write(`${t}\n`)))(res.summary);
    log(`replay: wrote ${res.files.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
  return res;
}
