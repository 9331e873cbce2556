/**
 * The worst-case cost of one upstream call, reserved before it is made: the counted prompt (bounded by its
 * bytes when short, see promptTokens; raised by a
 * margin, since provider tokenizers differ slightly from Penny's count) at the dearest input rate the
 * request can be billed at (cache writes when it carries cache_control), plus the output bound — the
 * client's max_tokens, else the model's maximum output, else what is left of the context window, else a
 * configured default — at the dearer of the output and reasoning rates, times `n`. Long-context tiers are
 * applied by the cost engine itself. A model with no price has no worst case (null).
 */
import type { Money } from '../core/money.js';
import type { CanonicalRequest } from '../core/request.js';
import type { Usage } from '../core/usage.js';
import { computeCost } from '../pricing/cost.js';
import { numericRates, wholeCount } from '../pricing/fast-cost.js';
import type { PriceEntry } from '../pricing/price.js';
import { countRequestTokens } from '../tokens/index.js';
import { picoNumberToNanoCeil, picoToNanoCeil } from './units.js';

export interface WorstCaseOptions {
  inputMargin: number;
  defaultMaxOutput: number;
}

export interface WorstCase {
  cost: Money | null;
  /** The cost in counter units (nanodollars, rounded up); null when the model has no price. */
  nano: number | null;
  inputTokens: number;
  outputTokens: number;
}

const counts = new WeakMap<CanonicalRequest, Map<string, number>>();
const preset = new WeakMap<CanonicalRequest, number>();

/** Fixes a request's prompt tokens for every model (an endpoint that was sent token ids, not text). */
export function presetPromptTokens(req: CanonicalRequest, tokens: number): void {
  preset.set(req, tokens);
  if (lastReq === req) lastReq = null;
}

/**
 * Below this many tokens the prompt is bounded by its UTF-8 bytes (every BPE token spans at least one byte)
 * instead of being tokenized: an upper bound is all a reservation needs, and for a short prompt the
 * tokenizer costs more than the bound over-reserves (at most this many tokens).
 */
export const CHEAP_BOUND_TOKENS = 1024;

/** The options of the byte bound (one object, not one per count). */
const UPPER_BOUND = { upperBound: true } as const;

/**
 * The last count made: a request's calls ask for one model a few times in a row (rate limit, plan), so one
 * entry serves them without a WeakMap entry per request. It holds the last request until the next one.
 */
let lastReq: CanonicalRequest | null = null;
let lastModel = '';
let lastCount = 0;

/**
 * Prompt tokens of a request for a model as reservations count them: a short prompt's byte bound (≥ the
 * count; cheap, so counted again when asked after another request), else the tokenizer's count, once per
 * (request, model).
 */
export function promptTokens(req: CanonicalRequest, model: string): number {
  if (lastReq === req && lastModel === model) return lastCount;
  const fixed = preset.get(req);
  if (fixed !== undefined) return fixed;
  let n = counts.get(req)?.get(model) ?? countRequestTokens(req, model, UPPER_BOUND).tokens;
  if (n > CHEAP_BOUND_TOKENS) n = tokenizerCount(req, model);
  lastReq = req;
  lastModel = model;
  lastCount = n;
  return n;
}

function tokenizerCount(req: CanonicalRequest, model: string): number {
  let m = counts.get(req);
  if (!m) {
    m = new Map();
    counts.set(req, m);
  }
  let n = m.get(model);
  if (n === undefined) {
    n = countRequestTokens(req, model).tokens;
    m.set(model, n);
  }
  return n;
}

export function outputBound(
  req: CanonicalRequest,
  price: PriceEntry | undefined,
  input: number,
  fallback: number,
): number {
  const perChoice =
    req.maxTokens ??
    price?.maxOutput ??
    (price?.contextWindow !== undefined ? Math.max(1, price.contextWindow - input) : fallback);
  return perChoice * Math.max(1, req.n ?? 1);
}

export function worstCase(
  req: CanonicalRequest,
  model: string,
  price: PriceEntry | undefined,
  opts: WorstCaseOptions,
): WorstCase {
  const input = Math.ceil(promptTokens(req, model) * (1 + opts.inputMargin));
  const output = outputBound(req, price, input, opts.defaultMaxOutput);
  if (!price) return { cost: null, nano: null, inputTokens: input, outputTokens: output };
  const pico = untieredPico(req, price, input, output);
  if (pico >= 0)
    return {
      cost: BigInt(pico),
      nano: picoNumberToNanoCeil(pico),
      inputTokens: input,
      outputTokens: output,
    };
  return exactWorstCase(req, price, input, output);
}

/**
 * The worst case in counter units (nanodollars, rounded up) alone — what a reservation needs — or null when
 * the model has no price: the same figure as `worstCase(…).nano`, without the result object and bigint that
 * every guarded call would otherwise make for it (the exact engine only for tiered or huge amounts).
 */
export function worstCaseNano(
  req: CanonicalRequest,
  model: string,
  price: PriceEntry | undefined,
  opts: WorstCaseOptions,
): number | null {
  if (!price) return null;
  const input = Math.ceil(promptTokens(req, model) * (1 + opts.inputMargin));
  const output = outputBound(req, price, input, opts.defaultMaxOutput);
  const pico = untieredPico(req, price, input, output);
  return pico >= 0 ? picoNumberToNanoCeil(pico) : exactWorstCase(req, price, input, output).nano;
}

/**
 * Untiered standard rates (the usual entry): the dearest input rate times the prompt plus the dearer of the
 * output and reasoning rates times the bound — the maximum over the variants `exactWorstCase` prices, each
 * term an exact integer in float (checked), so no bigints on every call. −1 when this does not apply.
 */
function untieredPico(req: CanonicalRequest, price: PriceEntry, input: number, output: number): number {
  const r = numericRates(price);
  if (r === null || !wholeCount(input) || !wholeCount(output)) return -1;
  const inRate = hasCacheControl(req) ? Math.max(r.input, r.cacheWrite5m, r.cacheWrite1h) : r.input;
  const pico = input * inRate + output * Math.max(r.output, r.reasoning);
  return pico <= Number.MAX_SAFE_INTEGER ? pico : -1;
}

/** The worst case by the cost engine (bigints, tiers): the dearest of the ways the call can be billed. */
function exactWorstCase(req: CanonicalRequest, price: PriceEntry, input: number, output: number): WorstCase {
  const cached = hasCacheControl(req);
  // Every input rate the prompt can be billed at (cache writes with cache_control) × output or reasoning.
  let worst: Money = 0n;
  for (let v = 0; v < (cached ? 6 : 2); v++) {
    const i = v >> 1;
    const out = (v & 1) === 0;
    const u: Usage = {
      inputUncached: i === 0 ? input : 0,
      cacheRead: 0,
      cacheWrite5m: i === 1 ? input : 0,
      cacheWrite1h: i === 2 ? input : 0,
      outputText: out ? output : 0,
      reasoning: out ? 0 : output,
    };
    const c = computeCost(u, price).cost;
    if (c === null) return { cost: null, nano: null, inputTokens: input, outputTokens: output };
    if (c > worst) worst = c;
  }
  return { cost: worst, nano: picoToNanoCeil(worst), inputTokens: input, outputTokens: output };
}

/** Loops, not `some` with a callback: asked for every call's worst case. */
function hasCacheControl(req: CanonicalRequest): boolean {
  if (req.cacheControl) return true;
  for (const p of req.system) if (p.cacheControl) return true;
  if (req.tools) for (const t of req.tools) if (t.cacheControl) return true;
  for (const m of req.messages)
    for (const p of m.content) if ('cacheControl' in p && p.cacheControl !== undefined) return true;
  return false;
}
