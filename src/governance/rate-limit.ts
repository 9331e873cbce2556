/**
 * Rate limits: requests and tokens per minute per key, feature and user (any scope, like budgets), counted
 * in fixed one-minute windows of the store's clock, so every instance sharing Redis agrees. Tokens are
 * admitted on the prompt plus `max_tokens` and settled to the tokens actually used. The headers follow
 * OpenAI's: x-ratelimit-limit-requests, -remaining-requests, -reset-requests and the same for tokens,
 * from the tightest limit that applies.
 */
import type { Dimension, RateLimitConfig, ScopeMatch } from './config.js';
import type { CounterSnapshot, ReserveLine, WindowSpec } from './counter-store.js';
import { type VirtualKeyRecord, perRecord } from './key-store.js';
import { type Facts, counterKey, perSuffix } from './scope.js';
import { minuteWindow } from './window.js';

export interface CompiledRateLimit {
  name: string;
  match: ScopeMatch;
  per: readonly Dimension[];
  rpm: number | null;
  tpm: number | null;
  failMode: 'closed' | 'open';
  prefix: string;
}

export function compileRateLimit(def: RateLimitConfig): CompiledRateLimit {
  return {
    name: def.name,
    match: def.match,
    per: def.per,
    rpm: def.rpm ?? null,
    tpm: def.tpm ?? null,
    failMode: def.failMode,
    prefix: `r:${def.name}:`,
  };
}

/** The rate limit a virtual key carries (--rpm, --tpm), if any; compiled once per record. */
export const keyRateLimit = perRecord(compileKeyRateLimit);

function compileKeyRateLimit(rec: VirtualKeyRecord): CompiledRateLimit | null {
  if (rec.rpm === null && rec.tpm === null) return null;
  return {
    name: `key:${rec.name}`,
    match: { key: rec.name },
    per: [],
    rpm: rec.rpm,
    tpm: rec.tpm,
    failMode: 'open',
    prefix: `rk:${rec.name}:`,
  };
}

export interface RateLine {
  limit: CompiledRateLimit;
  kind: 'requests' | 'tokens';
  line: ReserveLine;
}

export function rateLines(
  limits: readonly CompiledRateLimit[],
  facts: Facts,
  now: number,
  tokens: number,
): RateLine[] {
  const w = minuteWindow(now);
  let n = 0;
  for (const l of limits) n += (l.rpm !== null ? 1 : 0) + (l.tpm !== null ? 1 : 0);
  // Sized up front: built for every request, and an array grown by push gets room for 17.
  const out = new Array<RateLine>(n);
  let i = 0;
  for (const l of limits) {
    const suffix = perSuffix(l.per, facts);
    if (l.rpm !== null) out[i++] = requestsLine(l, counterKey(l, 'req:', w.id, suffix), w.spec, l.rpm);
    if (l.tpm !== null)
      out[i++] = {
        limit: l,
        kind: 'tokens',
        line: { key: counterKey(l, 'tok:', w.id, suffix), window: w.spec, amount: tokens, limit: l.tpm },
      };
  }
  return out;
}

/**
 * A requests line is the same for every request on its counter in a minute (amount 1): lines are never
 * changed once built, so the last one per limit is reused while its counter key (the same string object
 * while the window and per values stay, see counterKey) and window are, instead of two objects per request.
 */
function requestsLine(l: CompiledRateLimit, key: string, window: WindowSpec, limit: number): RateLine {
  const last = lastRequests.get(l);
  if (last !== undefined && last.line.key === key && last.line.window === window && last.line.limit === limit)
    return last;
  const made: RateLine = { limit: l, kind: 'requests', line: { key, window, amount: 1, limit } };
  lastRequests.set(l, made);
  return made;
}

const lastRequests = new WeakMap<CompiledRateLimit, RateLine>();

/**
 * OpenAI-style duration: "45s", "1m3s", "250ms". Every admitted request sends one or two: the texts of whole
 * seconds up to an hour (all a one-minute window gives) are made once and kept.
 */
export function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.ceil(ms / 1000);
  if (s > KEPT_SECONDS) return secondsText(s);
  let text = secondsTexts[s];
  if (text === undefined) {
    text = secondsText(s);
    secondsTexts[s] = text;
  }
  return text;
}

function secondsText(s: number): string {
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${s % 60}s` : `${s}s`;
}

const KEPT_SECONDS = 3600;
const secondsTexts: string[] = new Array<string>(KEPT_SECONDS + 1);

/**
 * x-ratelimit-* headers from the tightest line of each kind, set on `into` (returned). Each header is set by
 * its own named store, in a fixed order: this runs for every admitted request, and stores under computed
 * names (six different keys through one site) go through V8's megamorphic keyed-store path each time.
 */
export function rateHeaders(
  lines: readonly RateLine[],
  snaps: readonly CounterSnapshot[],
  now: number,
  into: Record<string, string> = {},
): Record<string, string> {
  const r = tightest(lines, snaps, 'requests');
  if (r >= 0) {
    const limit = lines[r]!.line.limit!;
    const s = snaps[r]!;
    into['x-ratelimit-limit-requests'] = limitText('requests', limit);
    into['x-ratelimit-remaining-requests'] = String(Math.max(0, limit - s.spent - s.reserved));
    into['x-ratelimit-reset-requests'] = formatReset((s.resetAt ?? now) - now);
  }
  const t = tightest(lines, snaps, 'tokens');
  if (t >= 0) {
    const limit = lines[t]!.line.limit!;
    const s = snaps[t]!;
    into['x-ratelimit-limit-tokens'] = limitText('tokens', limit);
    into['x-ratelimit-remaining-tokens'] = String(Math.max(0, limit - s.spent - s.reserved));
    into['x-ratelimit-reset-tokens'] = formatReset((s.resetAt ?? now) - now);
  }
  return into;
}

/** The index of the line of `kind` with the least remaining (−1: none with a limit). */
function tightest(
  lines: readonly RateLine[],
  snaps: readonly CounterSnapshot[],
  kind: RateLine['kind'],
): number {
  let best = -1;
  let bestRemaining = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.kind !== kind || l.line.limit === null) continue;
    const s = snaps[i]!;
    const remaining = Math.max(0, l.line.limit - s.spent - s.reserved);
    if (best < 0 || remaining < bestRemaining) {
      best = i;
      bestRemaining = remaining;
    }
  }
  return best;
}

/** A limit as header text: the same few limits on every request, so the last one's text is kept per kind. */
function limitText(kind: RateLine['kind'], limit: number): string {
  const last = lastLimit[kind];
  if (limit !== last.limit) {
    last.limit = limit;
    last.text = String(limit);
  }
  return last.text;
}

const lastLimit = {
  requests: { limit: Number.NaN, text: '' },
  tokens: { limit: Number.NaN, text: '' },
};
