import { defineCommand } from './command.js';
import { catalogFor, configOption, ledgerOption, pick } from './shared.js';

export const lintPrompt = defineCommand('lint-prompt', (program) => {
  program
    .command('lint-prompt <file>')
    .description(
      'flag what a prompt pays for without needing it, with $/month at real volume ("-" reads stdin)',
    )
    .option('--model <model>', "model whose tokenizer and price apply (default: the feature's, else gpt-4o)")
    .option('--feature <name>', 'take the volume (and model) from this feature in the ledger')
    .option('--requests-per-day <n>', 'volume to price the findings at')
    .option('--json', 'machine-readable output')
    .addOption(configOption())
    .addOption(ledgerOption())
    .action(
      async (
        file: string,
        o: {
          model?: string;
          feature?: string;
          requestsPerDay?: string;
          json?: boolean;
          config?: string;
          ledger?: string;
        },
      ) => {
        const { lintPromptCommand, parseRequestsPerDay, readPromptSource } = await import(
          '../lint-prompt.js'
        );
        const catalog = await catalogFor(o.config);
        const ledger = o.feature
          ? await (await import('../open-ledger.js')).openLedgerForReading(o)
          : undefined;
        try {
          const out = await lintPromptCommand({
            text: readPromptSource(file),
            catalog,
            ...(ledger ? { ledger } : {}),
            ...pick(o, ['model', 'feature', 'json']),
            ...(o.requestsPerDay !== undefined
              ? { requestsPerDay: parseRequestsPerDay(o.requestsPerDay) }
              : {}),
          });
          process.stdout.write(`${out}\n`);
        } finally {
          await ledger?.close();
        }
      },
    );
});
