import { Option } from 'commander';
import type { Ledger } from '../../ledger/ledger.js';
import { defineCommand } from './command.js';
import { catalogFor, configOption, ledgerOption, parseNumber } from './shared.js';

export const breakeven = defineCommand('breakeven', (program) => {
  program
    .command('breakeven')
    .description(
      "fine-tuning and self-hosting break-even, from a feature's real volumes in the ledger or from flags",
    )
    .option('--feature <name>', 'take volumes from this feature in the ledger')
    .option('--since <span>', 'with --feature: time span back from now, e.g. 30d')
    .addOption(new Option('--requests-per-day <n>', 'request volume').argParser(parseNumber))
    .addOption(new Option('--requests-per-month <n>', 'request volume').argParser(parseNumber))
    .addOption(new Option('--input-tokens <n>', 'average input tokens per request').argParser(parseNumber))
    .addOption(new Option('--output-tokens <n>', 'average output tokens per request').argParser(parseNumber))
    .option('--model <id>', "today's model (priced from the catalog)")
    .option('--cost-per-request <usd>', "today's cost per request in USD, instead of the model's price")
    .option('--fine-tuned-model <id>', 'fine-tuned model (priced from the catalog)')
    .option('--fine-tuned-input-price <usd>', 'fine-tuned input price, USD per 1M tokens')
    .option('--fine-tuned-output-price <usd>', 'fine-tuned output price, USD per 1M tokens')
    .addOption(new Option('--training-tokens <n>', 'training dataset tokens').argParser(parseNumber))
    .addOption(new Option('--epochs <n>', 'training epochs').argParser(parseNumber))
    .option('--training-price <usd>', 'USD per 1M training tokens')
    .addOption(new Option('--training-runs <n>', 'training runs to pay for').argParser(parseNumber))
    .addOption(
      new Option(
        '--prompt-shrink <share>',
        'share of input tokens the fine-tuned prompt drops (0..1)',
      ).argParser(parseNumber),
    )
    .option('--one-time-cost <usd>', 'other one-time cost in USD')
    .option('--gpu-hourly <usd>', 'self-hosting: USD per GPU-hour')
    .addOption(new Option('--gpus <n>', 'self-hosting: GPU count').argParser(parseNumber))
    .option('--infra-monthly <usd>', 'self-hosting: other monthly cost in USD')
    .addOption(
      new Option('--throughput-tokens-per-second <n>', 'self-hosting: sustained output tokens/s').argParser(
        parseNumber,
      ),
    )
    .addOption(
      new Option('--throughput-requests-per-second <n>', 'self-hosting: sustained requests/s').argParser(
        parseNumber,
      ),
    )
    .addOption(
      new Option('--utilisation <share>', 'self-hosting: average GPU utilisation (0..1)').argParser(
        parseNumber,
      ),
    )
    .option('--api-cost-per-request <usd>', "API cost per request to compare with (default: today's)")
    .addOption(configOption())
    .addOption(ledgerOption())
    .action(
      async (
        o: Record<string, unknown> & { feature?: string; since?: string; config?: string; ledger?: string },
      ) => {
        const { breakevenCommand } = await import('../breakeven.js');
        const { parseTimeRange } = await import('../../report/time-range.js');
        const catalog = await catalogFor(o.config);
        const { config: _c, ledger: ledgerPath, since, ...flags } = o;
        let ledger: Ledger | undefined;
        if (o.feature) {
          const { openLedgerForReading } = await import('../open-ledger.js');
          ledger = await openLedgerForReading({
            ...(o.config ? { config: o.config } : {}),
            ...(typeof ledgerPath === 'string' ? { ledger: ledgerPath } : {}),
          });
        }
        try {
          const range = since ? parseTimeRange({ since: String(since) }, Date.now()) : {};
          process.stdout.write(
            `${await breakevenCommand({ ...flags, ...range, catalog, ...(ledger ? { ledger } : {}) })}\n`,
          );
        } finally {
          await ledger?.close();
        }
      },
    );
});
