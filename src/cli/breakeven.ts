/**
 * `penny breakeven`: when fine-tuning and when self-hosting pay for themselves. Volumes come from flags
 * or from a feature's real numbers in the ledger (flags win where both are given); prices come from the
 * catalog by model name or from flags in USD. Prints both analyses as tables with their assumptions, and
 * names the missing flags when an analysis cannot run.
 */
import Table from 'cli-table3';
import { InvalidRequestError } from '../core/errors.js';
import { type Money, formatUsd, perMillionToPerToken, usd } from '../core/money.js';
import { type FineTuneResult, fineTuneBreakEven } from '../breakeven/fine-tune.js';
import { type TokenPrice, costPerRequest } from '../breakeven/per-request.js';
import { DAYS_PER_MONTH, type SelfHostResult, selfHostBreakEven } from '../breakeven/self-host.js';
import { type FeatureVolumes, volumesFromLedger } from '../breakeven/volumes.js';
import type { Ledger } from '../ledger/ledger.js';
import type { PriceCatalog } from '../pricing/catalog.js';
import { loadCatalog } from '../pricing/catalog.js';
import type { PriceEntry } from '../pricing/price.js';

export interface BreakevenCommandOptions {
  /** Take volumes from this feature's ledger entries. */
  ledger?: Ledger;
  feature?: string;
  from?: number;
  to?: number;
  requestsPerDay?: number;
  requestsPerMonth?: number;
  inputTokens?: number;
  outputTokens?: number;
  /** Today's model (priced from the catalog). */
  model?: string;
  /** Today's cost per request in USD (instead of the model's price). */
  costPerRequest?: string;
  /** Fine-tuned model (priced from the catalog) or its prices in USD per 1M tokens. */
  fineTunedModel?: string;
  fineTunedInputPrice?: string;
  fineTunedOutputPrice?: string;
  trainingTokens?: number;
  epochs?: number;
  /** USD per 1M training tokens. */
  trainingPrice?: string;
  trainingRuns?: number;
  /** Share of input tokens the fine-tuned prompt drops (0..1). */
  promptShrink?: number;
  /** Other one-time cost in USD. */
  oneTimeCost?: string;
  /** Self-hosting: USD per GPU-hour, GPU count, other monthly cost in USD. */
  gpuHourly?: string;
  gpus?: number;
  infraMonthly?: string;
  throughputTokensPerSecond?: number;
  throughputRequestsPerSecond?: number;
  utilisation?: number;
  /** The API cost per request to compare self-hosting with, USD (default: today's). */
  apiCostPerRequest?: string;
  priceLookup?: (model: string, provider?: string) => PriceEntry | undefined;
  catalog?: PriceCatalog;
}

const PLAIN = { head: [] as string[], border: [] as string[] };

function money(m: Money): string {
  const abs = m < 0n ? -m : m;
  return formatUsd(m, abs < 1_000_000_000_000n ? 6 : 2);
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function kv(rows: Array<[string, string]>): string {
  const t = new Table({ style: PLAIN });
  for (const r of rows) t.push(r);
  return t.toString();
}

function tokenPrice(p: PriceEntry): TokenPrice {
  return { input: p.input, output: p.output };
}

export async function breakevenCommand(opts: BreakevenCommandOptions): Promise<string> {
  let lookup = opts.priceLookup;
  const needCatalog =
    !lookup && (opts.model !== undefined || opts.fineTunedModel !== undefined || opts.feature);
  if (needCatalog) {
    const catalog = opts.catalog ?? loadCatalog();
    lookup = (model, provider) => catalog.lookup(model, provider);
  }
  const price = (model: string): PriceEntry => {
    const p = lookup?.(model);
    if (!p)
      throw new InvalidRequestError(`no price known for model "${model}"; give the prices as flags`, 'model');
    return p;
  };

  let vol: FeatureVolumes | null = null;
  if (opts.feature !== undefined) {
    if (!opts.ledger)
      throw new InvalidRequestError('--feature needs a ledger to read volumes from', 'feature');
    const range: { from?: number; to?: number } = {};
    if (opts.from !== undefined) range.from = opts.from;
    if (opts.to !== undefined) range.to = opts.to;
    vol = await volumesFromLedger(opts.ledger, opts.feature, range);
  }
  const requestsPerDay =
    opts.requestsPerDay ??
    (opts.requestsPerMonth !== undefined ? opts.requestsPerMonth / DAYS_PER_MONTH : vol?.requestsPerDay);
  const requestsPerMonth =
    opts.requestsPerMonth ?? (requestsPerDay !== undefined ? requestsPerDay * DAYS_PER_MONTH : undefined);
  const inputTokens = opts.inputTokens ?? vol?.avgInputTokens;
  const outputTokens = opts.outputTokens ?? vol?.avgOutputTokens;
  const model = opts.model ?? vol?.model;
  const todayPrice = model !== undefined && lookup ? lookup(model) : undefined;
  if (opts.model !== undefined && !todayPrice && opts.costPerRequest === undefined) price(opts.model);
  let todayCost: Money | undefined;
  let todayCostSource = '';
  if (opts.costPerRequest !== undefined) {
    todayCost = usd(opts.costPerRequest);
    todayCostSource = 'given';
  } else if (vol?.costPerRequest != null && opts.model === undefined && opts.inputTokens === undefined) {
    todayCost = vol.costPerRequest;
    todayCostSource = `measured in the ledger for "${vol.feature}"`;
  } else if (todayPrice && inputTokens !== undefined && outputTokens !== undefined) {
    todayCost = costPerRequest(inputTokens, outputTokens, tokenPrice(todayPrice));
    todayCostSource = `${todayPrice.model} prices × tokens`;
  }

  const out: string[] = ['penny breakeven'];
  const volumeRows: Array<[string, string]> = [];
  if (vol) {
    volumeRows.push([
      'volumes from the ledger',
      `feature "${vol.feature}": ${count(vol.requests)} requests over ${vol.days.toFixed(1)} ${vol.daysFrom === 'range' ? 'days' : 'days with traffic'}`,
    ]);
  }
  if (requestsPerDay !== undefined) volumeRows.push(['requests per day', count(requestsPerDay)]);
  if (requestsPerMonth !== undefined)
    volumeRows.push([`requests per month (${DAYS_PER_MONTH} days)`, count(requestsPerMonth)]);
  if (inputTokens !== undefined) volumeRows.push(['avg input tokens', inputTokens.toFixed(1)]);
  if (outputTokens !== undefined) volumeRows.push(['avg output tokens', outputTokens.toFixed(1)]);
  if (model !== undefined) volumeRows.push(['model today', model]);
  if (todayCost !== undefined)
    volumeRows.push(['cost per request today', `${money(todayCost)} (${todayCostSource})`]);
  if (volumeRows.length > 0) out.push('', kv(volumeRows));

  // Fine-tuning.
  out.push('', 'Fine-tuning');
  let ftPrice: TokenPrice | undefined;
  if (opts.fineTunedInputPrice !== undefined && opts.fineTunedOutputPrice !== undefined) {
    ftPrice = {
      input: perMillionToPerToken(opts.fineTunedInputPrice),
      output: perMillionToPerToken(opts.fineTunedOutputPrice),
    };
  } else if (opts.fineTunedModel !== undefined) ftPrice = tokenPrice(price(opts.fineTunedModel));
  const ftMissing: string[] = [];
  if (requestsPerMonth === undefined)
    ftMissing.push('--requests-per-day or --requests-per-month (or --feature)');
  if (inputTokens === undefined || outputTokens === undefined)
    ftMissing.push('--input-tokens and --output-tokens (or --feature)');
  if (todayCost === undefined) ftMissing.push('--model or --cost-per-request');
  if (!ftPrice)
    ftMissing.push('--fine-tuned-model, or --fine-tuned-input-price and --fine-tuned-output-price');
  if (opts.trainingTokens === undefined) ftMissing.push('--training-tokens');
  if (opts.trainingPrice === undefined) ftMissing.push('--training-price');
  if (ftMissing.length > 0) out.push(`  not computed; needs ${ftMissing.join(', ')}`);
  else {
    const r = fineTuneBreakEven({
      requestsPerMonth: requestsPerMonth!,
      avgInputTokens: inputTokens!,
      avgOutputTokens: outputTokens!,
      todayPrice: todayPrice ? tokenPrice(todayPrice) : { input: 0n, output: 0n },
      ...(todayCostSource.endsWith('prices × tokens') ? {} : { todayCostPerRequest: todayCost! }),
      fineTunedPrice: ftPrice!,
      trainingTokens: opts.trainingTokens!,
      epochs: opts.epochs ?? 1,
      trainingPricePerToken: perMillionToPerToken(opts.trainingPrice!),
      ...(opts.trainingRuns !== undefined ? { trainingRuns: opts.trainingRuns } : {}),
      ...(opts.promptShrink !== undefined ? { promptShrink: opts.promptShrink } : {}),
      ...(opts.oneTimeCost !== undefined ? { oneTimeCost: usd(opts.oneTimeCost) } : {}),
    });
    out.push(renderFineTune(r));
  }

  // Self-hosting.
  out.push('', 'Self-hosting');
  const apiCost = opts.apiCostPerRequest !== undefined ? usd(opts.apiCostPerRequest) : todayCost;
  const shMissing: string[] = [];
  if (opts.gpuHourly === undefined && opts.infraMonthly === undefined)
    shMissing.push('--gpu-hourly or --infra-monthly');
  if (apiCost === undefined) shMissing.push('--api-cost-per-request (or --model / --cost-per-request)');
  if (shMissing.length > 0) out.push(`  not computed; needs ${shMissing.join(', ')}`);
  else {
    const r = selfHostBreakEven({
      apiCostPerRequest: apiCost!,
      ...(opts.gpuHourly !== undefined ? { gpuHourly: usd(opts.gpuHourly) } : {}),
      ...(opts.gpus !== undefined ? { gpus: opts.gpus } : {}),
      ...(opts.infraMonthly !== undefined ? { fixedMonthly: usd(opts.infraMonthly) } : {}),
      ...(opts.throughputTokensPerSecond !== undefined
        ? { throughputTokensPerSecond: opts.throughputTokensPerSecond }
        : {}),
      ...(opts.throughputRequestsPerSecond !== undefined
        ? { throughputRequestsPerSecond: opts.throughputRequestsPerSecond }
        : {}),
      ...(opts.utilisation !== undefined ? { utilisation: opts.utilisation } : {}),
      ...(outputTokens !== undefined ? { avgOutputTokens: outputTokens } : {}),
      ...(requestsPerDay !== undefined ? { requestsPerDay } : {}),
    });
    out.push(renderSelfHost(r, apiCost!));
  }
  return out.join('\n');
}

export function renderFineTune(r: FineTuneResult): string {
  const rows: Array<[string, string]> = [
    ['cost per request today', money(r.todayPerRequest)],
    ['cost per request fine-tuned', money(r.fineTunedPerRequest)],
    ['saving per request', money(r.savingPerRequest)],
    ['one training run', money(r.trainingRunCost)],
    ['one-time cost', money(r.oneTimeCost)],
    ['monthly cost today', money(r.monthlyToday)],
    ['monthly cost fine-tuned', money(r.monthlyFineTuned)],
    ['monthly saving', money(r.monthlySaving)],
    [
      'per 1M requests: today vs fine-tuned (incl. one-time)',
      `${money(r.perMillion.today)} vs ${money(r.perMillion.fineTuned)}`,
    ],
    [
      'break-even',
      r.breakEvenRequests === null
        ? 'never (the fine-tuned model is not cheaper per request)'
        : `${count(r.breakEvenRequests)} requests${r.paybackMonths !== null ? ` (${r.paybackMonths.toFixed(2)} months at this volume)` : ''}`,
    ],
  ];
  return `${kv(rows)}\n  assumptions:\n${r.assumptions.map((a) => `    - ${a}`).join('\n')}`;
}

export function renderSelfHost(r: SelfHostResult, apiCost: Money): string {
  const rows: Array<[string, string]> = [
    ['API cost per request', money(apiCost)],
    ['self-hosted cost per month', money(r.monthlySelfHost)],
  ];
  if (r.gpuMonthly > 0n) rows.push(['  of which GPU-hours', money(r.gpuMonthly)]);
  rows.push([
    'break-even',
    r.breakEvenRequestsPerDay === null ? 'never' : `${count(r.breakEvenRequestsPerDay)} requests per day`,
  ]);
  if (r.capacityRequestsPerDay !== null) {
    const enough =
      r.breakEvenRequestsPerDay !== null && r.capacityRequestsPerDay >= r.breakEvenRequestsPerDay;
    rows.push([
      'capacity',
      `${count(r.capacityRequestsPerDay)} requests per day${enough ? '' : ' — below break-even: more GPUs needed, which moves it'}`,
    ]);
  }
  if (r.atVolume) {
    rows.push([
      `at ${count(r.atVolume.requestsPerDay)} requests/day`,
      `API ${money(r.atVolume.monthlyApi)}/month vs self-hosted ${money(r.atVolume.monthlySelfHost)}/month`,
    ]);
  }
  return `${kv(rows)}\n  assumptions:\n${r.assumptions.map((a) => `    - ${a}`).join('\n')}\n    - operations time, setup and a possible drop in quality are not priced`;
}
