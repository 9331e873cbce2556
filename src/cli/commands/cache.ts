import { PennyError } from '../../core/errors.js';
import { defineCommand } from './command.js';
import { configOption, ledgerOption, pick } from './shared.js';

export const cache = defineCommand('cache', (program) => {
  program
    .command('cache [view]')
    .description(
      'caching: "stats" (hit rates per feature, savings by cache tactic) or "breakers" (prompt-cache breakers)',
    )
    .option('--since <span>', 'time span back from now, e.g. 24h, 7d')
    .option('--from <date>', 'start (ISO date or date-time)')
    .option('--to <date>', 'end (ISO date-time, exclusive; a plain date includes that whole day)')
    .option('--json', 'machine-readable output')
    .addOption(configOption())
    .addOption(ledgerOption())
    .action(
      async (
        view: string | undefined,
        o: { since?: string; from?: string; to?: string; json?: boolean; config?: string; ledger?: string },
      ) => {
        const v = view ?? 'stats';
        if (v !== 'stats' && v !== 'breakers')
          throw new PennyError(
            'invalid_request',
            `penny cache: unknown view "${v}"; use "stats" or "breakers"`,
          );
        const { openLedgerForReading } = await import('../open-ledger.js');
        const { cacheCommand } = await import('../cache.js');
        const ledger = await openLedgerForReading(o);
        try {
          process.stdout.write(
            `${await cacheCommand({ ledger, view: v, ...pick(o, ['since', 'from', 'to', 'json']) })}\n`,
          );
        } finally {
          await ledger.close();
        }
      },
    );
});
