/**
 * Fine-tuning break-even: a one-time training cost (training tokens × epochs × price, per run, plus any
 * other one-time cost) against a lower cost per request afterwards (a cheaper fine-tuned model, and a
 * prompt that no longer needs its instructions and examples). Money is exact; request counts are plain
 * numbers. Break-even = one-time cost / saving per request, rounded up to a whole request.
 */
import type { Money } from '../core/money.js';
import { type TokenPrice, costPerRequest, requestsToCover, times } from './per-request.js';

export interface FineTuneInput {
  requestsPerMonth: number;
  avgInputTokens: number;
  avgOutputTokens: number;
  /** Today's model. */
  todayPrice: TokenPrice;
  /** Measured cost per request today (e.g. from the ledger); overrides tokens × todayPrice. */
  todayCostPerRequest?: Money;
  /** The fine-tuned model's inference price. */
  fineTunedPrice: TokenPrice;
  /** Tokens in the training file. */
  trainingTokens: number;
  epochs: number;
  /** Picodollars per training token. */
  trainingPricePerToken: Money;
  /** Training runs until the fine-tune is good enough (default 1). */
  trainingRuns?: number;
  /** Share of input tokens the fine-tuned model no longer needs (0..1, default 0). */
  promptShrink?: number;
  /** Other one-time cost (data preparation, evaluation), default 0. */
  oneTimeCost?: Money;
}

export interface FineTuneResult {
  todayPerRequest: Money;
  fineTunedPerRequest: Money;
  savingPerRequest: Money;
  fineTunedInputTokens: number;
  /** One training run: tokens × epochs × price. */
  trainingRunCost: Money;
  /** All one-time cost: runs × run cost + other one-time cost. */
  oneTimeCost: Money;
  monthlyToday: Money;
  monthlyFineTuned: Money;
  monthlySaving: Money;
  /** Requests after which the fine-tune has paid for itself; null when it never does. */
  breakEvenRequests: number | null;
  /** Months of today's volume to break even; null when it never does. */
  paybackMonths: number | null;
  /** Cost of 1M requests each way (fine-tuned includes the one-time cost), as the seed compares them. */
  perMillion: { today: Money; fineTuned: Money };
  assumptions: string[];
}

export function fineTuneBreakEven(input: FineTuneInput): FineTuneResult {
  const shrink = input.promptShrink ?? 0;
  if (shrink < 0 || shrink >= 1) throw new RangeError('promptShrink must be in [0, 1)');
  const runs = input.trainingRuns ?? 1;
  const todayPerRequest =
    input.todayCostPerRequest ??
    costPerRequest(input.avgInputTokens, input.avgOutputTokens, input.todayPrice);
  const fineTunedInputTokens = input.avgInputTokens * (1 - shrink);
  const fineTunedPerRequest = costPerRequest(
    fineTunedInputTokens,
    input.avgOutputTokens,
    input.fineTunedPrice,
  );
  const savingPerRequest = todayPerRequest - fineTunedPerRequest;
  const trainingRunCost = times(times(input.trainingPricePerToken, input.trainingTokens), input.epochs);
  const oneTimeCost = times(trainingRunCost, runs) + (input.oneTimeCost ?? 0n);
  const monthlyToday = times(todayPerRequest, input.requestsPerMonth);
  const monthlyFineTuned = times(fineTunedPerRequest, input.requestsPerMonth);
  const breakEvenRequests = requestsToCover(oneTimeCost, savingPerRequest);
  const assumptions = [
    `${input.avgInputTokens} input + ${input.avgOutputTokens} output tokens per request today`,
    shrink > 0
      ? `the fine-tuned prompt drops ${Math.round(shrink * 100)}% of input tokens (${fineTunedInputTokens} left)`
      : 'the fine-tuned prompt is as long as today’s',
    `training: ${input.trainingTokens} tokens × ${input.epochs} epochs${runs !== 1 ? ` × ${runs} runs` : ''}`,
  ];
  if (input.oneTimeCost) assumptions.push('other one-time cost included (data preparation, evaluation)');
  if (input.todayCostPerRequest !== undefined)
    assumptions.push('today’s cost per request is measured, not priced');
  return {
    todayPerRequest,
    fineTunedPerRequest,
    savingPerRequest,
    fineTunedInputTokens,
    trainingRunCost,
    oneTimeCost,
    monthlyToday,
    monthlyFineTuned,
    monthlySaving: monthlyToday - monthlyFineTuned,
    breakEvenRequests,
    paybackMonths:
      breakEvenRequests === null || input.requestsPerMonth <= 0
        ? null
        : breakEvenRequests / input.requestsPerMonth,
    perMillion: {
      today: todayPerRequest * 1_000_000n,
      fineTuned: oneTimeCost + fineTunedPerRequest * 1_000_000n,
    },
    assumptions,
  };
}
