/**
 * The `penny` command line. Commands are declared here and each one's module is imported only when it
 * runs, so `penny --help` stays instant. Every command is a thin shell over the library's public API.
 */
import { Command, Option } from 'commander';
import { ConfigError, PennyError } from '../core/errors.js';

const VERSION = '0.1.0';

function configOption() {
  return new Option(
    '-c, --config <file>',
    'config file (YAML or JSON); default: $PENNY_CONFIG or ./penny.config.yaml',
  );
}
function ledgerOption() {
  return new Option(
    '--ledger <path>',
    'ledger SQLite file; default: $PENNY_LEDGER_PATH or ~/.penny/ledger.db',
  );
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command('penny')
    .description(
      'Penny — an LLM cost gateway: cuts OpenAI and Anthropic bills and proves every dollar it saved.',
    )
    .version(VERSION)
    .showHelpAfterError();

  program
    .command('serve')
    .description('start the gateway (OpenAI /v1/chat/completions and Anthropic /v1/messages)')
    .addOption(
      new Option('-p, --port <port>', 'port to listen on (default: $PORT or 8787)').argParser(parsePort),
    )
    .addOption(
      new Option(
        '--host <host>',
        'address to listen on (default: $PENNY_HOST or 127.0.0.1; beyond loopback needs a token)',
      ),
    )
    .addOption(configOption())
    .addOption(ledgerOption())
    .action(async (o: { port?: number; host?: string; config?: string; ledger?: string }) => {
      const { serveCommand } = await import('./serve.js');
      await serveCommand(o);
    });

  program
    .command('report')
    .description('cost and tokens by feature, user, model and day, with the 80/20 view')
    .option('--since <span>', 'time span back from now, e.g. 24h, 7d, 30d')
    .option('--from <date>', 'start (ISO date or date-time)')
    .option('--to <date>', 'end (ISO date or date-time, exclusive)')
    .option('--by <keys>', 'group keys, comma separated: feature,user,model,provider,day,key,status')
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'),
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
        format: 'table' | 'json' | 'csv';
        json?: boolean;
        csv?: boolean;
        config?: string;
        ledger?: string;
      }) => {
        const { openLedgerForReading } = await import('./open-ledger.js');
        const { reportCommand } = await import('./report.js');
        const ledger = await openLedgerForReading(o);
        try {
          const format = o.json ? 'json' : o.csv ? 'csv' : o.format;
          process.stdout.write(
            `${await reportCommand({ ledger, format, ...pick(o, ['since', 'from', 'to', 'by']) })}\n`,
          );
        } finally {
          await ledger.close();
        }
      },
    );

  program
    .command('prices [model]')
    .description('show the prices Penny believes, and where each number came from')
    .option('--json', 'machine-readable output')
    .addOption(configOption())
    .action(async (model: string | undefined, o: { json?: boolean; config?: string }) => {
      const { loadConfig } = await import('../config/load.js');
      const { buildCatalog } = await import('../app.js');
      const { renderPrices } = await import('./prices.js');
      const catalog = buildCatalog(loadConfig(o.config ? { file: o.config } : {}));
      process.stdout.write(
        `${renderPrices(catalog, { ...(model ? { model } : {}), ...(o.json ? { json: true } : {}) })}\n`,
      );
    });

  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof PennyError) {
      process.stderr.write(`penny: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`--port must be a number 0-65535, got "${v}"`);
  return n;
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
