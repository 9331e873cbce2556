/**
 * `penny router train | eval`: thin shells over the replay benchmark's `routerTrain` / `routerEval`.
 * `train --from-ledger` learns from the gateway's own cascade outcomes instead of the datasets: requests
 * whose cheap step passed or failed become labelled examples — but the ledger keeps no prompt text, so
 * only features that store their bodies (`storePrompts: true`) contribute; the command says how many
 * outcomes had no prompt, and writes the examples it used beside the model as JSONL.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { calibrateTiers, type TierCalibrateResult } from '../bench/replay/calibrate-tiers.js';
import type { TwoModelDatasetName } from '../bench/replay/datasets.js';
import {
  type RouterEvalResult,
  type RouterTrainResult,
  routerEval,
  routerTrain,
} from '../bench/replay/cli.js';
import { type OutcomeRouterEvalResult, routerEvalOutcomes } from '../bench/replay/outcome-cli.js';
import type { RouterMethod } from '../bench/replay/router-training.js';
import { loadConfig } from '../config/load.js';
import { InvalidRequestError } from '../core/errors.js';
import { openConfiguredLedger } from '../ledger/open-ledger.js';
import { examplesFromLedger } from '../pipeline/route/ledger-examples.js';
import type { CanonicalRequest } from '../core/request.js';
import { openBodyStore } from '../prompts-store/open-body-store.js';

export const TRAIN_DATASETS = ['gsm8k', 'mmlu', 'mt_bench', 'gsm8k+mmlu'] as const;
export const EVAL_DATASETS = ['gsm8k', 'mmlu', 'mt_bench'] as const;
export const METHODS = ['logreg', 'knn', 'blend', 'auto'] as const;

export interface RouterTrainCommandOptions {
  out: string;
  dataset?: (typeof TRAIN_DATASETS)[number];
  input?: string;
  cheap?: string;
  strong?: string;
  fromLedger?: boolean;
  method?: RouterMethod | 'auto';
  datasets?: string;
  seed?: number;
  config?: string;
  ledger?: string;
  log?: (line: string) => void;
}

export async function routerTrainCommand(o: RouterTrainCommandOptions): Promise<RouterTrainResult | null> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  if ([o.input !== undefined, o.fromLedger === true, o.dataset !== undefined].filter(Boolean).length > 1) {
    throw new InvalidRequestError('choose one of --dataset, --input and --from-ledger');
  }
  let input = o.input;
  if (o.fromLedger) {
    const exported = await exportLedgerExamples(o, log);
    if (exported === null) return null;
    input = exported;
  }
  return routerTrain({
    out: o.out,
    ...(input ? { input } : {}),
    ...(o.dataset ? { dataset: o.dataset } : {}),
    ...(o.cheap ? { cheap: o.cheap } : {}),
    ...(o.strong ? { strong: o.strong } : {}),
    ...(o.method ? { method: o.method } : {}),
    ...(o.datasets ? { datasetsDir: o.datasets } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    log,
  });
}

async function exportLedgerExamples(
  o: RouterTrainCommandOptions,
  log: (l: string) => void,
): Promise<string | null> {
  const loaded = loadConfig({
    ...(o.config ? { file: o.config } : {}),
    ...(o.ledger ? { overrides: { ledgerPath: o.ledger } } : {}),
  });
  const ledger = await openConfiguredLedger(loaded, { reader: true });
  const bodies = await openBodyStore(loaded, { reader: true });
  try {
    const entries = await ledger.query({ status: 'ok' });
    // The stored prompts of the entries that point at one, read before the (synchronous) labelling.
    const prompts = new Map<string, CanonicalRequest>();
    for (const e of entries) {
      const h = e.meta?.bodyHash;
      if (!bodies || typeof h !== 'string' || prompts.has(h)) continue;
      const stored = await bodies.get(h);
      if (stored) prompts.set(h, stored.request);
    }
    const r = examplesFromLedger(entries, (h) => prompts.get(h));
    log(
      `router: ${r.cascades} cascade outcomes in the ledger, ${r.withoutPrompt} without a stored prompt, ${r.examples.length} usable`,
    );
    const classes = new Set(r.examples.map((e) => e.label));
    if (r.examples.length < 2 || classes.size < 2) {
      log(
        'router: not enough labelled prompts in the ledger (set `storePrompts: true` on a cascade feature, or train from the datasets with --dataset)',
      );
      return null;
    }
    const path = `${o.out}.examples.jsonl`;
    writeFileSync(path, `${r.examples.map((e) => JSON.stringify(e)).join('\n')}\n`);
    log(`router: wrote the examples to ${path}`);
    return path;
  } finally {
    await bodies?.close();
    await ledger.close();
  }
}

export interface RouterEvalCommandOptions {
  model: string;
  dataset: TwoModelDatasetName;
  /** An outcome file (JSONL or CSV) instead of a shared dataset. */
  input?: string;
  cheap?: string;
  strong?: string;
  routers?: number;
  split?: 'test' | 'all';
  datasets?: string;
  log?: (line: string) => void;
}

export function routerEvalCommand(
  o: RouterEvalCommandOptions,
): RouterEvalResult | OutcomeRouterEvalResult | null {
  if (!existsSync(o.model)) throw new InvalidRequestError(`router model not found: ${o.model}`, '--model');
  if (o.input !== undefined) {
    if (!existsSync(o.input)) throw new InvalidRequestError(`outcome file not found: ${o.input}`, '--input');
    return routerEvalOutcomes({
      model: o.model,
      input: o.input,
      ...(o.cheap ? { cheap: o.cheap } : {}),
      ...(o.strong ? { strong: o.strong } : {}),
      ...(o.routers !== undefined ? { routers: o.routers } : {}),
      log: o.log ?? ((l: string) => process.stdout.write(`${l}\n`)),
    });
  }
  return routerEval({
    model: o.model,
    dataset: o.dataset,
    ...(o.split ? { split: o.split } : {}),
    ...(o.datasets ? { datasetsDir: o.datasets } : {}),
    log: o.log ?? ((l: string) => process.stdout.write(`${l}\n`)),
  });
}

export interface RouterCalibrateCommandOptions {
  input: string;
  router: string;
  tiers?: string;
  targetCostUsd?: string;
  shares?: string;
  routers?: number;
  log?: (line: string) => void;
}

const listOf = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** `penny router calibrate`: tier thresholds for a route's `tiers` from an outcome file. */
export function routerCalibrateCommand(o: RouterCalibrateCommandOptions): TierCalibrateResult {
  if (!existsSync(o.input)) throw new InvalidRequestError(`outcome file not found: ${o.input}`, '--input');
  let cost: number | undefined;
  if (o.targetCostUsd !== undefined) {
    cost = Number(o.targetCostUsd);
    if (!/^\d+(\.\d+)?$/.test(o.targetCostUsd) || !(cost > 0)) {
      throw new InvalidRequestError(
        '--target-cost-usd must be a positive decimal amount',
        '--target-cost-usd',
      );
    }
  }
  let shares: number[] | undefined;
  if (o.shares !== undefined) {
    shares = listOf(o.shares).map(Number);
    if (shares.length === 0 || shares.some((x) => !Number.isFinite(x))) {
      throw new InvalidRequestError('--shares must be comma-separated numbers in [0, 1]', '--shares');
    }
  }
  return calibrateTiers({
    input: o.input,
    router: o.router,
    ...(o.tiers !== undefined ? { tiers: listOf(o.tiers) } : {}),
    ...(cost !== undefined ? { targetCostUsd: cost } : {}),
    ...(shares !== undefined ? { shares } : {}),
    ...(o.routers !== undefined ? { routers: o.routers } : {}),
    log: o.log ?? ((l: string) => process.stdout.write(`${l}\n`)),
  });
}
