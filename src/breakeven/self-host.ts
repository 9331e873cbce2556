/**
 * Self-hosting break-even: a fixed monthly cost (GPU $/hour × GPUs × hours, plus other infrastructure
 * and operations) against an API's price per request. Break-even = monthly cost / 30 days / API cost per
 * request, in requests per day, rounded up. Capacity (throughput × utilisation) says whether the GPUs
 * can serve that volume at all — past it, more GPUs raise the fixed cost in steps.
 */
import type { Money } from '../core/money.js';
import { requestsToCover, times } from './per-request.js';

export const DAYS_PER_MONTH = 30;
export const HOURS_PER_MONTH = DAYS_PER_MONTH * 24;

export interface SelfHostInput {
  /** USD per GPU-hour as Money. */
  gpuHourly?: Money;
  gpus?: number;
  /** Hours billed per month (default 720: always on). */
  hoursPerMonth?: number;
  /** Other fixed monthly cost (or the whole infra bill when GPU-hours are not given). */
  fixedMonthly?: Money;
  /** The API's cost per request this is compared with. */
  apiCostPerRequest: Money;
  /** Output tokens per second the deployment generates at full load (all GPUs together). */
  throughputTokensPerSecond?: number;
  /** Requests per second at full load (instead of tokens per second). */
  throughputRequestsPerSecond?: number;
  /** Share of full load reached on average (0..1], default 0.5. */
  utilisation?: number;
  /** Output tokens per request (to turn tokens/s into requests/s). */
  avgOutputTokens?: number;
  /** Today's volume, to compare monthly costs. */
  requestsPerDay?: number;
}

export interface SelfHostResult {
  monthlySelfHost: Money;
  gpuMonthly: Money;
  /** Requests per day at which the API costs as much as self-hosting. */
  breakEvenRequestsPerDay: number | null;
  /** Requests per day the deployment can serve at the given utilisation; null when throughput is unknown. */
  capacityRequestsPerDay: number | null;
  /** At today's volume: monthly API cost and self-hosted cost (null without a volume). */
  atVolume: { requestsPerDay: number; monthlyApi: Money; monthlySelfHost: Money } | null;
  assumptions: string[];
}

export function selfHostBreakEven(input: SelfHostInput): SelfHostResult {
  const hours = input.hoursPerMonth ?? HOURS_PER_MONTH;
  const gpus = input.gpus ?? (input.gpuHourly !== undefined ? 1 : 0);
  const gpuMonthly = input.gpuHourly !== undefined ? times(times(input.gpuHourly, gpus), hours) : 0n;
  const monthlySelfHost = gpuMonthly + (input.fixedMonthly ?? 0n);
  // ceil(monthly / 30 / api), computed as ceil(monthly / (30 × api)) so no daily rounding creeps in.
  const breakEvenRequestsPerDay = requestsToCover(
    monthlySelfHost,
    input.apiCostPerRequest * BigInt(DAYS_PER_MONTH),
  );
  const utilisation = input.utilisation ?? 0.5;
  if (utilisation <= 0 || utilisation > 1) throw new RangeError('utilisation must be in (0, 1]');
  let rps: number | null = null;
  if (input.throughputRequestsPerSecond !== undefined) rps = input.throughputRequestsPerSecond;
  else if (input.throughputTokensPerSecond !== undefined && input.avgOutputTokens) {
    rps = input.throughputTokensPerSecond / input.avgOutputTokens;
  }
  const capacityRequestsPerDay = rps === null ? null : Math.floor(rps * utilisation * 86_400);
  const assumptions = [`a month is ${DAYS_PER_MONTH} days (${hours} GPU-hours when always on)`];
  if (input.gpuHourly !== undefined) assumptions.push(`${gpus} GPU(s) billed every hour of the month`);
  if (input.fixedMonthly)
    assumptions.push('fixed monthly cost includes infrastructure and operations as given');
  if (rps !== null) {
    assumptions.push(
      `capacity = ${rps.toFixed(2)} requests/s at full load × ${Math.round(utilisation * 100)}% utilisation`,
    );
  }
  const atVolume =
    input.requestsPerDay === undefined
      ? null
      : {
          requestsPerDay: input.requestsPerDay,
          monthlyApi: times(input.apiCostPerRequest, input.requestsPerDay * DAYS_PER_MONTH),
          monthlySelfHost,
        };
  return {
    monthlySelfHost,
    gpuMonthly,
    breakEvenRequestsPerDay,
    capacityRequestsPerDay,
    atVolume,
    assumptions,
  };
}
