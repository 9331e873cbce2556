import { Option } from 'commander';
import type { benchReplayCommand } from '../bench.js';
import { defineCommand } from './command.js';

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
    .option('--out <dir>', 'output folder for summary.md and the SVG plots', 'bench/results/replay')
    .option('--datasets <dir>', 'datasets folder (default: $PENNY_DATASETS or ../shared/datasets)')
    .action(async (o: Parameters<typeof benchReplayCommand>[0]) => {
      const { benchReplayCommand } = await import('../bench.js');
      benchReplayCommand(o);
    });
});
