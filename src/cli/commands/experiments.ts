/** `penny experiments list|show|stop|resume`: A/B splits per feature (src/quality/). */
import { defineCommand } from './command.js';
import { configOption, ledgerOption } from './shared.js';

export const experiments = defineCommand('experiments', (program) => {
  const cmd = program
    .command('experiments')
    .description('experiments: list, show (cost, ratings and significance per arm), stop, resume');
  for (const [action, what, arg] of [
    ['list', 'every configured experiment, its status and requests per arm', ''],
    [
      'show',
      'one experiment: cost per request, savings, ratings per arm and the significance verdict',
      ' <name>',
    ],
    ['stop', 'serve one arm (--arm, default the first) to every request of the experiment', ' <name>'],
    ['resume', 'split the traffic again after a stop', ' <name>'],
  ] as const) {
    const c = cmd
      .command(`${action}${arg}`)
      .description(what)
      .option('--json', 'machine-readable output')
      .addOption(configOption())
      .addOption(ledgerOption());
    if (action === 'stop') c.option('--arm <arm>', 'the arm every request gets from now on');
    c.action(async (...args: unknown[]) => {
      const name = arg ? (args[0] as string) : undefined;
      const o = (arg ? args[1] : args[0]) as import('../experiments.js').ExperimentFlags;
      const { experimentsCommand } = await import('../experiments.js');
      process.stdout.write(`${await experimentsCommand(action, name, o)}\n`);
    });
  }
});
