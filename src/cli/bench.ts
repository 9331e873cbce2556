/**
 * `penny bench replay`: a thin shell over the replay benchmark (`runReplay`), which runs Penny's own router
 * and cascade code over recorded model outcomes and writes `summary.md` plus one SVG per dataset.
 * Progress goes to stderr and the summary to stdout, so `> summary.md` captures only the report.
 */
import { existsSync } from 'node:fs';
import { type ReplayDataset, type ReplayResult, runReplay } from '../bench/replay/cli.js';
import { type OutcomeReplayResult, runOutcomeReplay } from '../bench/replay/outcome-cli.js';
import { InvalidRequestError } from '../core/errors.js';

export const REPLAY_DATASETS: readonly ReplayDataset[] = ['gsm8k', 'mmlu', 'mt_bench', 'overruling', 'all'];

export interface BenchReplayCommandOptions {
  dataset?: ReplayDataset;
  out?: string;
  datasets?: string;
  /** An outcome file (JSONL or CSV) to replay instead of the shared datasets. */
  input?: string;
  /** Cascade files (a feature's `cascade` section) to replay on `input`. */
  cascade?: string[];
  routers?: number;
  log?: (line: string) => void;
  print?: (text: string) => void;
}

export function benchReplayCommand(o: BenchReplayCommandOptions): ReplayResult | OutcomeReplayResult | null {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const started = Date.now();
  if (o.cascade?.length && !o.input) {
    throw new InvalidRequestError('--cascade replays on an outcome file: give --input too', '--cascade');
  }
  if (o.input !== undefined && !existsSync(o.input)) {
    throw new InvalidRequestError(`outcome file not found: ${o.input}`, '--input');
  }
  for (const c of o.cascade ?? []) {
    if (!existsSync(c)) throw new InvalidRequestError(`cascade file not found: ${c}`, '--cascade');
  }
  const res = o.input
    ? runOutcomeReplay({
        input: o.input,
        cascades: o.cascade ?? [],
        out: o.out ?? 'bench/results/replay-input',
        ...(o.routers !== undefined ? { routers: o.routers } : {}),
        log,
      })
    : runReplay({
        dataset: o.dataset ?? 'all',
        out: o.out ?? 'bench/results/replay',
        ...(o.datasets ? { datasetsDir: o.datasets } : {}),
        ...(o.routers !== undefined ? { routers: o.routers } : {}),
        log,
      });
  if (res) {
    (o.print ?? ((t: string) => process.stdout.write(`${t}\n`)))(res.summary);
    log(`replay: wrote ${res.files.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
  return res;
}
