/**
 * `penny router train | eval`: thin shells over the replay benchmark's `routerTrain` / `routerEval`.
 * `train --from-ledger` learns from the gateway's own cascade outcomes instead of the datasets: requests
 * whose cheap step passed or failed become labelled examples — but the ledger keeps no prompt text, so
 * only features that store their bodies (`storePrompts: true`) contribute; the command says how many
 * outcomes had no prompt, and writes the examples it used beside the model as JSONL.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
import type { TrainExample } from '../pipeline/route/classifier.js';
import { examplesFromLedger } from '../pipeline/route/ledger-examples.js';
import type { CanonicalRequest } from '../core/request.js';
import { examplesFromVerdicts, parseVerdictJsonl } from '../pipeline/route/verdict-examples.js';
import { openBodyStore } from '../prompts-store/open-body-store.js';
import { openQualityStores } from '../quality/open-quality-stores.js';
import { qualityDbPathFor } from '../quality/sqlite/quality-db.js';

export const TRAIN_DATASETS = ['gsm8k', 'mmlu', 'mt_bench', 'gsm8k+mmlu'] as const;
export const EVAL_DATASETS = ['gsm8k', 'mmlu', 'mt_bench'] as const;
export const METHODS = [
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
] as const;

export interface RouterTrainCommandOptions {
  out: string;
  dataset?: (typeof TRAIN_DATASETS)[number];
  input?: string;
  cheap?: string;
  strong?: string;
  fromLedger?: boolean;
  /** JSONL of {"prompt", "model"?, "verdict": "agree" | "disagree" | "none"} (verdicts gathered elsewhere). */
  verdicts?: string;
  method?: RouterMethod | 'auto';
  datasets?: string;
  seed?: number;
  config?: string;
  ledger?: string;
  log?: (line: string) => void;
}

export async function routerTrainCommand(o: RouterTrainCommandOptions): Promise<RouterTrainResult | null> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const sources = [o.input, o.fromLedger === true ? true : undefined, o.dataset, o.verdicts];
  if (sources.filter((x) => x !== undefined).length > 1) {
    throw new InvalidRequestError('choose one of --dataset, --input, --from-ledger and --verdicts');
  }
  let input = o.input;
  if (o.verdicts !== undefined) {
    if (!existsSync(o.verdicts)) {
      throw new InvalidRequestError(`verdict file not found: ${o.verdicts}`, '--verdicts');
    }
    let parsed: ReturnType<typeof parseVerdictJsonl>;
    try {
      parsed = parseVerdictJsonl(readFileSync(o.verdicts, 'utf8'), o.verdicts);
    } catch (e) {
      throw new InvalidRequestError((e as Error).message, '--verdicts');
    }
    log(
      `router: ${parsed.examples.length} verdicts with a label, ${parsed.skipped} without (verdict "none")`,
    );
    const written = writeExamples(o.out, parsed.examples, log);
    if (written === null) return null;
    input = written;
  }
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
    const requestFor = (h: string) => prompts.get(h);
    // Shadow-evaluation verdicts (src/quality) label routed and cascaded requests by whether the cheaper
    // model's answer agreed with the answer to the request as sent; they take precedence over the
    // cascade's own check for the same request.
    const evaluations = await readEvaluations(loaded);
    const byId = new Map(entries.map((e) => [e.id, e]));
    const v = examplesFromVerdicts(evaluations, (id) => byId.get(id), requestFor);
    const r = examplesFromLedger(entries, requestFor, new Set(v.examples.map((e) => e.requestId)));
    log(
      `router: ${v.verdicts} shadow verdicts (route, cascade), ${v.withoutPrompt} without a stored prompt, ${v.examples.length} usable`,
    );
    log(
      `router: ${r.cascades} cascade outcomes in the ledger, ${r.withoutPrompt} without a stored prompt, ${r.examples.length} usable`,
    );
    const examples = [...v.examples.map(({ text, label }) => ({ text, label })), ...r.examples];
    return writeExamples(o.out, examples, log);
  } finally {
    await bodies?.close();
    await ledger.close();
  }
}

async function readEvaluations(loaded: ReturnType<typeof loadConfig>) {
  // A SQLite ledger without a quality.db beside it has no verdicts (and must not get an empty one).
  if (!loaded.ledgerUrl && !existsSync(qualityDbPathFor(loaded.ledgerPath))) return [];
  const stores = await openQualityStores(loaded);
  try {
    return await stores.evaluations.list();
  } finally {
    await stores.close();
  }
}

function writeExamples(
  out: string,
  examples: readonly TrainExample[],
  log: (l: string) => void,
): string | null {
  const classes = new Set(examples.map((e) => e.label));
  if (examples.length < 2 || classes.size < 2) {
    log(
      'router: not enough labelled prompts of both kinds (set `storePrompts: true` on a routed or cascade feature and turn on shadow evaluation, or train from the datasets with --dataset)',
    );
    return null;
  }
  const path = `${out}.examples.jsonl`;
  writeFileSync(path, `${examples.map((e) => JSON.stringify(e)).join('\n')}\n`);
  log(`router: wrote the examples to ${path}`);
  return path;
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
