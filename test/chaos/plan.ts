/**
 * What the chaos run sends and what the fake upstream does to it, both drawn from one seed so a failing
 * run can be replayed exactly. The client side draws the request (dialect, model, stream, feature, a repeat
 * of an earlier request for the cache, a client abort); the upstream side draws one fault per upstream call,
 * so Penny's retries and fallbacks meet fresh luck.
 */
import type { Scenario } from '../fake-upstream/index.js';

/** mulberry32: a small seeded PRNG, good enough to spread faults. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type ClientDialect = 'openai' | 'anthropic';
/** `budgeted`: under a small total budget (reject); `limited`: under a requests-per-minute limit. */
export type Feature = 'plain' | 'cached' | 'cascade' | 'fallback' | 'budgeted' | 'limited';

export interface PlannedRequest {
  n: number;
  dialect: ClientDialect;
  model: string;
  stream: boolean;
  feature: Feature;
  /** The message group: requests of one group send the same text (cache repeats share their original's). */
  group: number;
  text: string;
  /** Abort after this many ms (undefined: never). */
  abortAfterMs?: number;
}

/** Models the run uses, with the prices (USD per 1M tokens) the run configures and prices independently. */
export const PRICES: Record<string, { input: number; output: number }> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'claude-haiku-4-5': { input: 1, output: 5 },
};

/** The budget on feature `budgeted` (USD, total, reject) and the rate limit on feature `limited`. */
export const BUDGET_USD = 0.003;
export const LIMITED_RPM = 10;

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];

export function planRequests(count: number, seed: number, abortShare = 0.04): PlannedRequest[] {
  const rnd = prng(seed);
  const out: PlannedRequest[] = [];
  const cachedOriginals: PlannedRequest[] = [];
  for (let n = 0; n < count; n++) {
    const dialect: ClientDialect = rnd() < 0.5 ? 'openai' : 'anthropic';
    const stream = rnd() < 0.5;
    const f = rnd();
    const feature: Feature =
      f < 0.37
        ? 'plain'
        : f < 0.45
          ? 'budgeted'
          : f < 0.7
            ? 'cached'
            : f < 0.8
              ? 'cascade'
              : f < 0.85
                ? 'limited'
                : 'fallback';
    const abortAfterMs = rnd() < abortShare ? Math.floor(rnd() * 60) : undefined;
    // A quarter of cached-feature requests repeat an earlier one exactly (a cache hit or an in-flight join).
    if (feature === 'cached' && cachedOriginals.length > 0 && rnd() < 0.4) {
      const orig = cachedOriginals[Math.floor(rnd() * cachedOriginals.length)] as PlannedRequest;
      out.push({
        ...orig,
        n,
        ...(abortAfterMs !== undefined ? { abortAfterMs } : { abortAfterMs: undefined }),
      });
      continue;
    }
    const model =
      feature === 'cascade'
        ? 'gpt-4o'
        : feature === 'fallback'
          ? 'gpt-4o'
          : dialect === 'openai'
            ? rnd() < 0.7
              ? 'gpt-4o-mini'
              : 'claude-haiku-4-5'
            : rnd() < 0.7
              ? 'claude-haiku-4-5'
              : 'gpt-4o-mini';
    const words = Array.from({ length: 3 + Math.floor(rnd() * 8) }, () => WORDS[Math.floor(rnd() * 10)]);
    const req: PlannedRequest = {
      n,
      dialect,
      model,
      stream,
      feature,
      group: n,
      text: `[g${n}] ${words.join(' ')}`,
      ...(abortAfterMs !== undefined ? { abortAfterMs } : {}),
    };
    if (feature === 'cached') cachedOriginals.push(req);
    out.push(req);
  }
  return out;
}

/** Fault kinds the fake upstream injects, with their share of upstream calls. */
export const FAULT_MIX: Array<[string, number]> = [
  ['none', 0.5],
  ['status500', 0.06],
  ['status429', 0.05],
  ['reset', 0.05],
  ['breakMidStream', 0.05],
  ['stall', 0.03],
  ['slowFirstByte', 0.07],
  ['tooSlow', 0.01],
  ['badJson', 0.04],
  ['badSse', 0.04],
  ['shortBody', 0.04],
  ['slowChunks', 0.06],
];

export interface FaultCounts {
  [kind: string]: number;
}

/** A fault picker for the fake upstream; counts what it injected. */
export function faultPicker(seed: number, timeouts: { headersMs: number }) {
  const rnd = prng(seed ^ 0x5bd1e995);
  const counts: FaultCounts = {};
  const total = FAULT_MIX.reduce((s, [, w]) => s + w, 0);
  const pick = (req: { stream: boolean }): Scenario => {
    let x = rnd() * total;
    let kind = 'none';
    for (const [k, w] of FAULT_MIX) {
      x -= w;
      if (x <= 0) {
        kind = k;
        break;
      }
    }
    // Faults that only exist on one kind of body fall back to their sibling on the other.
    if (kind === 'badSse' && !req.stream) kind = 'badJson';
    if (kind === 'shortBody' && req.stream) kind = 'breakMidStream';
    if (kind === 'slowChunks' && !req.stream) kind = 'slowFirstByte';
    counts[kind] = (counts[kind] ?? 0) + 1;
    switch (kind) {
      case 'status500':
        return { status: 500 };
      case 'status429':
        return { status: 429, retryAfter: rnd() < 0.5 ? 0 : 1 };
      case 'reset':
        return { reset: true };
      case 'breakMidStream':
        return { breakAfter: 1 + Math.floor(rnd() * 4) };
      case 'stall':
        return { stallAfter: 1 + Math.floor(rnd() * 3) };
      case 'slowFirstByte':
        return { delay: 20 + Math.floor(rnd() * 300) };
      case 'tooSlow':
        return { delay: timeouts.headersMs + 500 };
      case 'badJson':
        return { badJson: true };
      case 'badSse':
        return { badSseAfter: 1 + Math.floor(rnd() * 3) };
      case 'shortBody':
        return { shortBody: true };
      case 'slowChunks':
        return { chunkDelay: 5 + Math.floor(rnd() * 20) };
      default:
        return {};
    }
  };
  return { pick, counts };
}
