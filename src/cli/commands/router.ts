import { Option } from 'commander';
import type { routerEvalCommand, routerTrainCommand } from '../router.js';
import { defineCommand } from './command.js';
import { configOption, ledgerOption } from './shared.js';

export const router = defineCommand('router', (program) => {
  const routerCmd = program
    .command('router')
    .description('train and evaluate the difficulty router (cheap vs strong model)');
  routerCmd
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
    .option(
      '--input <file>',
      'JSONL of {"text", "label" (1 = needs the strong model), "weight"?}, or an outcome file (JSONL/CSV, docs/replay-outcomes.md)',
    )
    .option('--cheap <model>', 'outcome file: the cheaper model (default: the cheapest on the frontier)')
    .option('--strong <model>', 'outcome file: the stronger model (default: the best on the frontier)')
    .option(
      '--from-ledger',
      'label prompts by their shadow-evaluation verdicts and whether their cascade step passed (needs storePrompts on the feature)',
    )
    .option('--verdicts <file>', 'JSONL of {"prompt", "model"?, "verdict": "agree"|"disagree"|"none"}')
    .addOption(
      new Option(
        '--method <method>',
        "model kind (dual, dual-blend, dual-gbdt: learn each model's outcome, need --dataset or an outcome file; anchored: dual or logreg averaged with the length prior; subject-prior: the inferred subject's need for the strong model, needs subjects (--dataset mmlu, mt_bench, gsm8k+mmlu, or a group field in JSONL); topic-prior: the same over unsupervised topics (k-means clusters of the offline embedder), no subjects needed; stack: the other kinds averaged by rank, weights chosen by 5-fold CV on the training data; auto, and the default: stack, or logreg below 20 examples)",
      ).choices([
        'logreg',
        'knn',
        'embed-knn',
        'blend',
        'dual',
        'dual-blend',
        'dual-gbdt',
        'length',
        'subject-prior',
        'topic-prior',
        'anchored',
        'stack',
        'auto',
      ]),
    )
    .option('--datasets <dir>', 'datasets folder (default: $PENNY_DATASETS or ../shared/datasets)')
    .addOption(new Option('--seed <n>', 'training seed').argParser((v) => Number.parseInt(v, 10)))
    .addOption(configOption())
    .addOption(ledgerOption())
    .action(async (o: Parameters<typeof routerTrainCommand>[0]) => {
      const { routerTrainCommand } = await import('../router.js');
      const r = await routerTrainCommand(o);
      if (r === null) process.exitCode = 1;
    });
  routerCmd
    .command('calibrate')
    .description(
      "set the minimum score of each tier of a route's `tiers` from recorded outcomes (train half), replayed on the test half against random routers",
    )
    .requiredOption('--input <file>', 'outcome file (JSONL/CSV, docs/replay-outcomes.md)')
    .option('--router <router>', '`heuristic` or a router model JSON (as in the route)', 'heuristic')
    .option('--tiers <models>', 'tier models, cheapest first, comma-separated (default: the train frontier)')
    .option('--target-cost-usd <usd>', 'mean $ per request to aim for (along the train frontier)')
    .option('--shares <list>', 'share of requests at or above each tier above the first, e.g. 0.4,0.1')
    .addOption(
      new Option('--routers <n>', 'seeded random routers in the baseline (default 1000)').argParser((v) =>
        Number.parseInt(v, 10),
      ),
    )
    .action(
      async (o: {
        input: string;
        router: string;
        tiers?: string;
        targetCostUsd?: string;
        shares?: string;
        routers?: number;
      }) => {
        const { routerCalibrateCommand } = await import('../router.js');
        routerCalibrateCommand(o);
      },
    );
  routerCmd
    .command('eval')
    .description(
      'APGR, CPT(50%), CPT(80%) and AIQ of a router model on a dataset (test half by default), or its gain over random routers on an outcome file',
    )
    .requiredOption('--model <file>', 'router model JSON')
    .addOption(
      new Option('--dataset <name>', 'RouteLLM dataset')
        .choices(['gsm8k', 'mmlu', 'mt_bench'])
        .default('gsm8k'),
    )
    .addOption(new Option('--split <split>', 'records to score').choices(['test', 'all']).default('test'))
    .option(
      '--input <file>',
      'an outcome file (JSONL/CSV) instead of --dataset: thresholds on its train half, scored on its test half against random routers',
    )
    .option(
      '--cheap <model>',
      'with --input: route between this model and --strong only (default: along the frontier)',
    )
    .option('--strong <model>', 'with --input: the stronger model')
    .addOption(
      new Option('--routers <n>', 'seeded random routers in the baseline (default 1000)').argParser((v) =>
        Number.parseInt(v, 10),
      ),
    )
    .option('--datasets <dir>', 'datasets folder (default: $PENNY_DATASETS or ../shared/datasets)')
    .action(async (o: Parameters<typeof routerEvalCommand>[0]) => {
      const { routerEvalCommand } = await import('../router.js');
      if (routerEvalCommand(o) === null) process.exitCode = 1;
    });
});
