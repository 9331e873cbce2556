import { defineCommand } from './command.js';
import { catalogFor, configOption } from './shared.js';

export const audit = defineCommand('audit', (program) => {
  program
    .command('audit <file>')
    .description(
      'read existing logs (OpenAI/Anthropic JSONL, Penny ledger export, CSV) and price the savings per tactic',
    )
    .option('--html <file>', 'also write a self-contained HTML report')
    .option('--json', 'machine-readable output')
    .option('--no-progress', 'no progress bar')
    .addOption(configOption())
    .action(
      async (file: string, o: { html?: string; json?: boolean; progress: boolean; config?: string }) => {
        const { auditCommand } = await import('../audit.js');
        const catalog = await catalogFor(o.config);
        const out = await auditCommand({
          file,
          catalog,
          progress: o.progress,
          ...(o.html ? { html: o.html } : {}),
          ...(o.json ? { json: true } : {}),
        });
        process.stdout.write(`${out}\n`);
      },
    );
});
