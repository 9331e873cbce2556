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
    .option('--to <date>', 'end (ISO date-time, exclusive; a plain date includes that whole day)')
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
        format: 'table' | 'json' | 'csv' | 'jsonl';
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
          if (format === 'jsonl') {
            const { exportLedgerJsonl } = await import('./export-ledger.js');
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
        const { auditCommand } = await import('./audit.js');
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
        const { breakevenCommand } = await import('./breakeven.js');
        const { parseTimeRange } = await import('../report/time-range.js');
        const catalog = await catalogFor(o.config);
        const { config: _c, ledger: ledgerPath, since, ...flags } = o;
        let ledger: import('../ledger/ledger.js').Ledger | undefined;
        if (o.feature) {
          const { openLedgerForReading } = await import('./open-ledger.js');
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

  const exportCmd = program.command('export').description('export data from the ledger');
  exportCmd
    .command('finetune')
    .description(
      "write a feature's answered requests from its expensive model as OpenAI fine-tuning JSONL (needs features.<name>.storePrompts: true)",
    )
    .requiredOption('--feature <name>', 'the feature to export')
    .option(
      '--model <model>',
      'the model whose answers to keep (default: the one the feature spends most on)',
    )
    .option('--out <file>', 'output file (default: stdout)')
    .option('--since <span>', 'time span back from now, e.g. 7d, 30d')
    .option('--from <date>', 'start (ISO date or date-time)')
    .option('--to <date>', 'end (ISO date-time, exclusive; a plain date includes that whole day)')
    .option('--json', 'print the summary as JSON')
    .addOption(configOption())
    .addOption(ledgerOption())
    .action(
      async (o: {
        feature: string;
        model?: string;
        out?: string;
        since?: string;
        from?: string;
        to?: string;
        json?: boolean;
        config?: string;
        ledger?: string;
      }) => {
        const { exportFinetuneCommand } = await import('./export.js');
        await exportFinetuneCommand(o);
      },
    );

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
        const { openLedgerForReading } = await import('./open-ledger.js');
        const { cacheCommand } = await import('./cache.js');
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

  const router = program
    .command('router')
    .description('train and evaluate the difficulty router (cheap vs strong model)');
  router
    .command('train')
    .description(
      "train a router model (JSON) from the datasets' train half, a JSONL file, or the gateway's own cascade outcomes",
    )
    .requiredOption('--out <file>', 'where to write the model JSON (use it as `router: <file>` in a route)')
    .addOption(
      new Option('--dataset <name>', 'RouteLLM dataset (train half)').choices([
        'gsm8k',
        'mmlu',
        'mt_bench',
        'gsm8k+mmlu',
      ]),
    )
    .option('--input <file>', 'JSONL of {"text", "label" (1 = needs the strong model), "weight"?}')
    .option(
      '--from-ledger',
      'label prompts by whether their cascade step passed (needs storePrompts on the feature)',
    )
    .addOption(new Option('--method <method>', 'model kind').choices(['logreg', 'knn', 'blend', 'auto']))
    .option('--datasets <dir>', 'datasets folder (default: $PENNY_DATASETS or ../shared/datasets)')
    .addOption(new Option('--seed <n>', 'training seed').argParser((v) => Number.parseInt(v, 10)))
    .addOption(configOption())
    .addOption(ledgerOption())
    .action(async (o: Parameters<typeof import('./router.js').routerTrainCommand>[0]) => {
      const { routerTrainCommand } = await import('./router.js');
      const r = await routerTrainCommand(o);
      if (r === null) process.exitCode = 1;
    });
  router
    .command('eval')
    .description('APGR, CPT(50%), CPT(80%) and AIQ of a router model on a dataset (test half by default)')
    .requiredOption('--model <file>', 'router model JSON')
    .addOption(
      new Option('--dataset <name>', 'RouteLLM dataset')
        .choices(['gsm8k', 'mmlu', 'mt_bench'])
        .default('gsm8k'),
    )
    .addOption(new Option('--split <split>', 'records to score').choices(['test', 'all']).default('test'))
    .option('--datasets <dir>', 'datasets folder (default: $PENNY_DATASETS or ../shared/datasets)')
    .action(async (o: Parameters<typeof import('./router.js').routerEvalCommand>[0]) => {
      const { routerEvalCommand } = await import('./router.js');
      if (routerEvalCommand(o) === null) process.exitCode = 1;
    });

  program
    .command('bench')
    .description('benchmarks')
    .command('replay')
    .description("replay Penny's router and cascade code over recorded model outcomes (RouteLLM, FrugalGPT)")
    .addOption(
      new Option('--dataset <name>', 'dataset')
        .choices(['gsm8k', 'mmlu', 'mt_bench', 'overruling', 'all'])
        .default('all'),
    )
    .option('--out <dir>', 'output folder for summary.md and the SVG plots', 'bench/results/replay')
    .option('--datasets <dir>', 'datasets folder (default: $PENNY_DATASETS or ../shared/datasets)')
    .action(async (o: Parameters<typeof import('./bench.js').benchReplayCommand>[0]) => {
      const { benchReplayCommand } = await import('./bench.js');
      benchReplayCommand(o);
    });

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
        const { lintPromptCommand, parseRequestsPerDay, readPromptSource } = await import('./lint-prompt.js');
        const { loadConfig } = await import('../config/load.js');
        const { buildCatalog } = await import('../app.js');
        const catalog = buildCatalog(loadConfig(o.config ? { file: o.config } : {}));
        const ledger = o.feature
          ? await (await import('./open-ledger.js')).openLedgerForReading(o)
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

function parseNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`expected a number, got "${v}"`);
  return n;
}

async function catalogFor(config: string | undefined) {
  const { loadConfig } = await import('../config/load.js');
  const { buildCatalog } = await import('../app.js');
  return buildCatalog(loadConfig(config ? { file: config } : {}));
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
