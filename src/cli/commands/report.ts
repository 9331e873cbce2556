import { Option } from 'commander';
import { defineCommand } from './command.js';
import { configOption, ledgerOption, pick } from './shared.js';

export const report = defineCommand('report', (program) => {
  program
    .command('report')
    .description('cost and tokens by feature, user, model and day, with the 80/20 view')
    .option('--since <span>', 'time span back from now, e.g. 24h, 7d, 30d')
    .option('--from <date>', 'start (ISO date or date-time)')
    .option('--to <date>', 'end (ISO date-time, exclusive; a plain date includes that whole day)')
    .option(
      '--quality',
      'quality beside savings: retention per feature and tactic, feedback, guardrail, experiments',
    )
    .option(
      '--bucket <hour|day>',
      'with --quality: retention per hour or per day (default: hour up to 2 days)',
    )
    .option('--by <keys>', 'group keys, comma separated: feature,user,model,provider,day,key,status')
    .addOption(
      new Option('--format <format>', 'output format (jsonl: every entry, the export `penny audit` reads)')
        .choices(['table', 'json', 'csv', 'jsonl'])
        .default('table'),
    )
    .option('--json', 'same as --format json')
    .option('--csv', 'same as --format csv')
    .addOption(configOption())
    .addOption(ledgerOption())
    .action(
      async (o: {
        since?: string;
        from?: string;
        to?: string;
        by?: string;
        quality?: boolean;
        bucket?: string;
        format: 'table' | 'json' | 'csv' | 'jsonl';
        json?: boolean;
        csv?: boolean;
        config?: string;
        ledger?: string;
      }) => {
        const format0 = o.json ? 'json' : o.csv ? 'csv' : o.format;
        if (o.quality) {
          const { runQualityReport } = await import('../quality-report-run.js');
          process.stdout.write(await runQualityReport({ ...o, format: format0 }));
          return;
        }
        if (o.bucket !== undefined) {
          const { InvalidRequestError } = await import('../../core/errors.js');
          throw new InvalidRequestError('--bucket goes with --quality', '--bucket');
        }
        const { openLedgerForReading } = await import('../open-ledger.js');
        const { reportCommand } = await import('../report.js');
        const ledger = await openLedgerForReading(o);
        try {
          const format = format0;
          if (format === 'jsonl') {
            const { exportLedgerJsonl } = await import('../export-ledger.js');
            await exportLedgerJsonl(ledger, pick(o, ['since', 'from', 'to']), (line) =>
              process.stdout.write(line),
            );
            return;
          }
          process.stdout.write(
            `${await reportCommand({ ledger, format, ...pick(o, ['since', 'from', 'to', 'by']) })}\n`,
          );
        } finally {
          await ledger.close();
        }
      },
    );
});
