import { InvalidArgumentError, Option } from 'commander';
import type { benchReplayCommand } from '../bench.js';
import { defineCommand } from './command.js';

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a positive integer`);
  return n;
}

export const bench = defineCommand('bench', (program) => {
  program
    .command('bench')
    .description('benchmarks')
    .command('replay')
    .description("replay Penny's router and cascade code over recorded model outcomes (RouteLLM, FrugalGPT)")
    .addOption(
      new Option('--dataset <name>', 'dataset')
        .choices(['gsm8k', 'mmlu', 'mt_bench', 'overruling', 'all'])
        .default('all'),
    )
    .option(
      '--out <dir>',
      'output folder for summary.md and the SVG plots (default bench/results/replay, or bench/results/replay-input with --input)',
    )
    .option('--datasets <dir>', 'datasets folder (default: $PENNY_DATASETS or ../shared/datasets)')
    .option(
      '--input <file>',
      'recorded outcomes of your own models (JSONL or CSV; see docs/replay-outcomes.md)',
    )
    .option(
      '--cascade <file>',
      "a cascade to replay on --input: a feature's `cascade` section as JSON or YAML (repeatable)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .addOption(
      new Option('--routers <n>', 'seeded random routers in the baseline (default 1000)').argParser((v) =>
        positiveInt(v, '--routers'),
      ),
    )
    .action(async (o: Parameters<typeof benchReplayCommand>[0]) => {
      const { benchReplayCommand } = await import('../bench.js');
      benchReplayCommand(o);
    });
});
