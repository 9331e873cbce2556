/** `penny keys create|list|show|rotate|revoke`: virtual keys (src/governance/key-admin.ts). */
import { defineCommand } from './command.js';
import { configOption, ledgerOption } from './shared.js';

export const keys = defineCommand('keys', (program) => {
  const keys = program.command('keys').description('virtual keys: create, list, show, rotate, revoke');
  keys
    .command('create')
    .description('create a key (printed once; only a salted hash is stored)')
    .requiredOption('--name <name>', 'unique name, recorded in the ledger as the key')
    .option('--features <list>', 'features the key may use (comma separated; * globs)')
    .option('--models <list>', "models the key may use, e.g. 'gpt-4o-mini,claude-*'")
    .option('--budget <usd/window>', 'spend limit, e.g. 50/month, 5/day, 100/total')
    .option('--rpm <n>', 'requests per minute')
    .option('--tpm <n>', 'tokens per minute')
    .option('--expires <when>', 'e.g. 30d, 12h, 2w, or an ISO date')
    .option('--json', 'machine-readable output')
    .addOption(configOption())
    .addOption(ledgerOption())
    .action(
      async (o: {
        name: string;
        features?: string;
        models?: string;
        budget?: string;
        rpm?: string;
        tpm?: string;
        expires?: string;
        json?: boolean;
        config?: string;
        ledger?: string;
      }) => {
        const { keysCommand } = await import('../governance.js');
        process.stdout.write(`${await keysCommand('create', o.name, o)}\n`);
      },
    );
  for (const [action, what] of [
    ['show', 'show a key, with its spend so far'],
    ['rotate', 'new secret for a key (the old one stops working)'],
    ['revoke', 'revoke a key'],
  ] as const) {
    keys
      .command(`${action} <name>`)
      .description(what)
      .option('--json', 'machine-readable output')
      .addOption(configOption())
      .addOption(ledgerOption())
      .action(async (name: string, o: { json?: boolean; config?: string; ledger?: string }) => {
        const { keysCommand } = await import('../governance.js');
        process.stdout.write(`${await keysCommand(action, name, o)}\n`);
      });
  }
  keys
    .command('list')
    .description('list keys (never their secrets)')
    .option('--json', 'machine-readable output')
    .addOption(configOption())
    .addOption(ledgerOption())
    .action(async (o: { json?: boolean; config?: string; ledger?: string }) => {
      const { keysCommand } = await import('../governance.js');
      process.stdout.write(`${await keysCommand('list', undefined, o)}\n`);
    });
});
