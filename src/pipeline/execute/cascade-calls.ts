/**
 * A cascade's calls and its report. Each call resolves its target once, builds its request for that
 * target, runs buffered (`executeToResponse`) and is recorded three ways: in the request's attempts, in
 * the cascade's `meta.cascade.attempts`, and as a billed call for settle (`ctx.money.calls`), which prices
 * every call once and fills the amounts of the report (`costUsd`, `totalCostUsd`, `savedUsd`).
 */
import { PennyError } from '../../core/errors.js';
import { moneyToDecimal } from '../../core/money.js';
import type { CanonicalRequest } from '../../core/request.js';
import type { Usage } from '../../core/usage.js';
import type { Target } from '../../providers/resolve-target.js';
import type { CheckResult } from '../cascade/checks.js';
import type { CompiledCascade } from '../cascade/compile-cascade.js';
import { type Outcome, type RequestContext, elapsedMs } from '../context.js';
import type { BilledCall } from '../settle/facts.js';
import { defineSlot } from '../slots.js';
import { type FallbackDeps, recordAttempt } from './fallback.js';
import { errorOutcome } from './outcomes.js';
import { executeToResponse } from './to-response.js';

export interface CascadeAttemptMeta {
  step: number;
  purpose: 'cascade' | 'parallel' | 'judge' | 'fallback';
  model: string;
  provider: string | null;
  status: number | null;
  code?: string;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  /** Exact cost of this call (decimal USD), null when unpriced; written at settle. */
  costUsd?: string | null;
  checks?: Array<Pick<CheckResult, 'name' | 'passed' | 'detail' | 'score' | 'latencyMs' | 'cpuMs'>>;
  passed?: boolean;
}

/** What the cascade did, in ledger `meta.cascade`; the amounts are settle's. */
export interface CascadeMeta {
  models: readonly string[];
  /** One per call, in the order the calls were reported to settle (`ctx.money.calls`). */
  attempts: CascadeAttemptMeta[];
  totalCostUsd?: string | null;
  accepted?: { reason: string; step: number | null; model: string | null };
  holdMs?: number;
  savedUsd?: string;
}

export const CASCADE = defineSlot<CascadeMeta>('cascade', {
  onSettle(meta, s) {
    meta.attempts.forEach((a, i) => {
      const cost = s.calls[i]?.cost;
      a.costUsd = cost === undefined || cost === null ? null : moneyToDecimal(cost);
    });
    meta.totalCostUsd = s.spend === null ? null : moneyToDecimal(s.spend);
    if (s.savings.cascade !== undefined) meta.savedUsd = moneyToDecimal(s.savings.cascade);
  },
});

export interface Call {
  target: Target | null;
  outcome: Outcome;
  meta: CascadeAttemptMeta;
}

const usageTokens = (u: Usage | null) => ({
  inputTokens: u ? u.inputUncached + u.cacheRead + u.cacheWrite5m + u.cacheWrite1h : 0,
  outputTokens: u ? u.outputText + u.reasoning : 0,
});

const ms = (t0: bigint) => Math.round(elapsedMs(t0) * 1000) / 1000;

export class CascadeCalls {
  readonly all: Call[] = [];
  private readonly billed: BilledCall[] = [];

  constructor(
    private readonly ctx: RequestContext,
    private readonly deps: FallbackDeps,
  ) {
    ctx.money.calls = this.billed;
  }

  /** One call: the target resolved once, the request built for it (default: the client's). */
  async call(
    ref: string,
    step: number,
    purpose: CascadeAttemptMeta['purpose'],
    requestFor: (target: Target) => CanonicalRequest = () => this.ctx.request,
  ): Promise<Call> {
    const ctx = this.ctx;
    const t0 = process.hrtime.bigint();
    let target: Target | null = null;
    let outcome: Outcome;
    try {
      target = this.deps.resolve(ref);
      outcome = (await executeToResponse(ctx, target, this.deps, requestFor(target))).outcome;
    } catch (e) {
      const err =
        e instanceof PennyError ? e : new PennyError('internal', (e as Error).message, { cause: e });
      outcome = errorOutcome(ctx, err, { provider: null, servedModel: null, simulated: false });
    }
    recordAttempt(ctx, target, ref, outcome, t0, { purpose });
    const meta: CascadeAttemptMeta = {
      step,
      purpose,
      model: target?.model ?? ref,
      provider: target?.provider.name ?? null,
      status: outcome.httpStatus,
      latencyMs: ms(t0),
      ...usageTokens(outcome.usage),
    };
    if (outcome.error) meta.code = outcome.error.code;
    return this.report({ target, outcome, meta });
  }

  /** The requested model's own answer, when no step produced one (run with the usual fallbacks). */
  reportFallback(out: Outcome, step: number, requested: string, t0: bigint): Call {
    return this.report({
      target: null,
      outcome: out,
      meta: {
        step,
        purpose: 'fallback',
        model: out.provider ? (out.servedModel ?? requested) : requested,
        provider: out.provider,
        status: out.httpStatus,
        latencyMs: ms(t0),
        ...usageTokens(out.usage),
        ...(out.error ? { code: out.error.code } : {}),
      },
    });
  }

  /** Reports the cascade: its meta, and to settle that the saving is measured at the requested model. */
  finish(
    cascade: CompiledCascade,
    out: Outcome,
    accepted: { reason: string; step: number | null; model: string | null } | null,
  ): Outcome {
    const ctx = this.ctx;
    const meta: CascadeMeta = { models: cascade.models, attempts: this.all.map((c) => c.meta) };
    if (accepted) meta.accepted = accepted;
    if (ctx.request.stream) meta.holdMs = ms(ctx.t0);
    ctx.slots.set(CASCADE, meta);
    ctx.money.substitution = { tactic: 'cascade', onlyIfDifferent: false };
    return out;
  }

  private report(c: Call): Call {
    this.all.push(c);
    const o = c.outcome;
    this.billed.push({ model: o.servedModel ?? c.meta.model, provider: o.provider, usage: o.usage });
    return c;
  }
}
