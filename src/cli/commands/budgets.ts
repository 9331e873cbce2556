/** `penny budgets set|list|show|delete`: budgets beside the keys (src/governance/budget-admin.ts). */
import { defineCommand } from './command.js';
import { configOption, ledgerOption } from './shared.js';

export const budgets = defineCommand('budgets', (program) => {
  const budgets = program.command('budgets').description('budgets: list, show, set, delete');
  budgets
    .command('set <name>')
    .description('set (add or replace) a budget; running gateways pick it up within governance.refreshMs')
    .requiredOption('--limit <usd>', 'limit in USD, e.g. 50')
    .option(
      '--window <window>',
      'day, week, month (calendar, governance.timeZone), total, or rolling: 24h, 7d',
      'month',
    )
    .option('--provider <glob>', 'only calls to this provider')
    .option('--model <glob>', 'only calls to this model')
    .option('--feature <glob>', 'only this feature')
    .option('--key <glob>', 'only this key')
    .option('--user <glob>', 'only this end user')
    .option(
      '--per <dims>',
      'count separately per value: user, feature, key, model, provider (comma separated)',
    )
    .option('--policy <policy>', 'reject | downgrade | warn', 'reject')
    .option('--fail-mode <mode>', 'closed | open when the store is unreachable')
    .option('--alert-at <percents>', 'alert thresholds, e.g. 50,80,100')
    .option('--json', 'machine-readable output')
    .addOption(configOption())
    .addOption(ledgerOption())
    .action(
      async (
        name: string,
        o: import('../../governance/budget-admin.js').BudgetFlags & { json?: boolean },
      ) => {
        const { budgetsCommand } = await import('../governance.js');
        process.stdout.write(`${await budgetsCommand('set', name, o)}\n`);
      },
    );
  for (const [action, what, arg] of [
    ['list', 'every budget: spent, reserved, limit and reset in its current window', ''],
    ['show', 'one budget (every scope value it counts separately)', ' <name>'],
    ['delete', 'delete a budget set with `penny budgets set`', ' <name>'],
  ] as const) {
    budgets
      .command(`${action}${arg}`)
      .description(what)
      .option('--json', 'machine-readable output')
      .addOption(configOption())
      .addOption(ledgerOption())
      .action(async (...args: unknown[]) => {
        const name = arg ? (args[0] as string) : undefined;
        const o = (arg ? args[1] : args[0]) as { json?: boolean; config?: string; ledger?: string };
        const { budgetsCommand } = await import('../governance.js');
        process.stdout.write(`${await budgetsCommand(action, name, o)}\n`);
      });
  }
});
