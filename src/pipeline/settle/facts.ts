/**
 * The facts stages report for settle to price. A stage says what it changed and what the alternative
 * would have been — in tokens, models and usage, never in money — and settle alone turns them, with the
 * outcome's usage and the price catalog, into cost, baseline and savings by tactic (settle.ts).
 */
import type { Money } from '../../core/money.js';
import type { Usage } from '../../core/usage.js';

/** What an answer that did not come from this request's own model call replaced: the baseline. */
export type Alternative =
  /** A stored answer (cache hit): its recorded usage at the model the client asked for. */
  | { kind: 'stored'; tactic: string; usage: Usage; model: string; provider: string | undefined }
  /** An estimate (shortcut): input and typical output tokens at the model asked for; flagged estimated. */
  | { kind: 'estimate'; tactic: string; inputTokens: number; outputTokens: number; model: string }
  /** An answer shared with another request (in-flight de-duplication): that request's settled spend. */
  | { kind: 'shared'; tactic: string; cost: Money | null };

/** One model call made on the request's behalf. */
export interface BilledCall {
  model: string;
  provider: string | null;
  usage: Usage | null;
}

/**
 * Tokens used beside model calls (a semantic lookup's embedding), at their own per-token price: settle
 * bills them to the request and charges them to the tactic's savings.
 */
export interface SideCost {
  tactic: string;
  tokens: number;
  perToken: Money;
}

export interface MoneyFacts {
  /** The answer came without a model call of this request (hit, shared answer, shortcut): spend 0. */
  unbilled?: true;
  /** What the answer replaced, when it did not come from a model call of this request. */
  replaced?: Alternative;
  /**
   * Every model call of a request that made several (a cascade's steps, peers and judges); without it the
   * spend is the outcome's own usage at the served model.
   */
  calls?: BilledCall[];
  /**
   * A tactic chose the model: its saving is the served usage at the model the client asked for − the spend
   * (route: only when the served model differs; cascade: always, negative when escalation cost more).
   */
  substitution?: { tactic: 'route' | 'cascade'; onlyIfDifferent: boolean };
  sideCosts: SideCost[];
  /**
   * Calls abandoned before the one that answered (a retry or fallback followed them) that the provider had
   * already taken — a body that broke, a timeout — with the usage reported or estimated. They are billed, so
   * they are cost; no tactic caused them, so they change no saving.
   */
  abandoned?: BilledCall[];
  /** Input tokens removed, by transform, priced at the served model's input rate (a summary net of its cost). */
  compressed?: { savedTokens: Readonly<Partial<Record<string, number>>>; summaryCost?: Money | null };
  /** Output tokens a shaping tactic saved (estimated), priced at the served model's output rate. */
  shaped?: { tactic: string; savedTokens: number };
  /** The request was one item of a micro-batch: it pays its token share of the shared call (batchShare). */
  batchShare?: BatchShare;
}

/**
 * One item's part of a micro-batch call (src/batch/micro). Settle prices the whole call once and splits its
 * cost by `weights` (largest remainder, so the items' shares add up exactly to the call's cost); the item's
 * baseline is `alone` — its own tokens with the shared prompt — at the model the client asked for, and the
 * `batch` saving is baseline − cost (negative when the item had to be sent again on its own: `retried`,
 * whose call is then the outcome's own usage, added to the share).
 */
export interface BatchShare {
  callId: string;
  call: BilledCall;
  weights: readonly number[];
  index: number;
  /** The item alone on the requested model: the baseline's usage. */
  alone: Usage;
  /** The item's answer came from its own call after the batch's failed its guard. */
  retried: boolean;
}

/** Facts about one attempt (one upstream call), carried on its outcome. */
export interface AttemptFacts {
  /** Penny placed prompt-cache markers on this attempt's request: its cache reads are Penny's saving. */
  promptCacheMarkers?: boolean;
}

export function newMoneyFacts(): MoneyFacts {
  return { sideCosts: [] };
}
