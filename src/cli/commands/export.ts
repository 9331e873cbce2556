import { defineCommand } from './command.js';
import { configOption, ledgerOption } from './shared.js';

export const exportData = defineCommand('export', (program) => {
  const exportCmd = program.command('export').description('export data from the ledger');
  exportCmd
    .command('finetune')
    .description(
      "write a feature's answered requests from its expensive model as OpenAI fine-tuning JSONL (needs features.<name>.storePrompts: true)",
    )
    .requiredOption('--feature <name>', 'the feature to export')
    .option(
      '--model <model>',
      'the model whose answers to keep (default: the one the feature spends most on)',
    )
    .option('--out <file>', 'output file (default: stdout)')
    .option('--since <span>', 'time span back from now, e.g. 7d, 30d')
    .option('--from <date>', 'start (ISO date or date-time)')
    .option('--to <date>', 'end (ISO date-time, exclusive; a plain date includes that whole day)')
    .option('--json', 'print the summary as JSON')
    .addOption(configOption())
    .addOption(ledgerOption())
    .action(
      async (o: {
        feature: string;
        model?: string;
        out?: string;
        since?: string;
        from?: string;
        to?: string;
        json?: boolean;
        config?: string;
        ledger?: string;
      }) => {
        const { exportFinetuneCommand } = await import('../export.js');
        await exportFinetuneCommand(o);
      },
    );
});
