import { defineCommand } from './command.js';
import { catalogFor, configOption } from './shared.js';

export const prices = defineCommand('prices', (program) => {
  program
    .command('prices [model]')
    .description('show the prices Penny believes, and where each number came from')
    .option('--json', 'machine-readable output')
    .addOption(configOption())
    .action(async (model: string | undefined, o: { json?: boolean; config?: string }) => {
      const { renderPrices } = await import('../prices.js');
      const catalog = await catalogFor(o.config);
      // An unknown model is a failed lookup: the advice is printed, and the exit code says so to scripts.
      if (model && !catalog.lookup(model)) process.exitCode = 1;
      process.stdout.write(
        `${renderPrices(catalog, { ...(model ? { model } : {}), ...(o.json ? { json: true } : {}) })}\n`,
      );
    });
});
