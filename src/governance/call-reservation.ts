/**
 * The per-call budget check (a CallGuard, see pipeline/context.ts): before each upstream call —
 * the main one, every cascade step, parallel peer and judge, every fallback, every summary — the call's
 * worst-case cost is reserved against every budget whose scope matches the call (its provider and model
 * are known only here). A call that does not fit is refused before anything is sent: 429 in the client's
 * dialect naming the budget, scope, limit, spent, reserved and reset, with `retry-after`. When the call
 * ends the reservation is replaced by the call's exact cost (rounded up to the nanodollar), or released.
 */
import { PennyError } from '../core/errors.js';
import type { CallGuard, CallTicket, Outcome, RequestContext } from '../pipeline/context.js';
import type { PriceCatalog } from '../pricing/catalog.js';
import type { Target } from '../providers/resolve-target.js';
import { type BudgetLine, type CompiledBudget, budgetLine } from './budget.js';
import type { CounterSnapshot, ReserveLine, SettleLine } from './counter-store.js';
import type { Governance } from './governance.js';
import { type RequestScope, callScope } from './request-scope.js';
import { type Facts, describeScope } from './scope.js';
import { costNanoCeil, nanoToDisplay, nanoToUsd } from './units.js';
import { worstCaseNano } from './worst-case.js';

/** What one call reserves: the budgets whose scope matches its target, and its worst-case cost. */
export interface CallPlan {
  facts: Facts;
  budgets: readonly CompiledBudget[];
  price: ReturnType<PriceCatalog['lookup']>;
  /** Worst case in nanodollars (0 when unpriced and only warn budgets apply). */
  amount: number;
}

/** A plan's lines for the store's time `now`, one per budget in the plan's order. */
export function planLines(plan: CallPlan, now: number, timeZone: string): BudgetLine[] {
  const out = new Array<BudgetLine>(plan.budgets.length);
  for (let i = 0; i < out.length; i++)
    out[i] = budgetLine(plan.budgets[i]!, plan.facts, now, timeZone, plan.amount);
  return out;
}

const NO_LINES: readonly SettleLine[] = [];

/**
 * One call's reservation: at its end replaced by the call's exact cost. A class rather than a closure per
 * call; `lines[from…]` are its budgets' lines in the plan's order (the guard stage's combined reservation
 * puts the rate lines first, so the prepaid call keeps that array as it is instead of a copy of its part).
 */
class BudgetTicket implements CallTicket {
  constructor(
    private readonly guard: BudgetCallGuard,
    readonly target: Target,
    readonly id: string,
    readonly plan: CallPlan,
    readonly lines: readonly ReserveLine[],
    readonly from: number,
    readonly prepaid: boolean,
  ) {}

  end(outcome: Outcome | null): void {
    this.guard.ended(this, outcome);
  }
}

export class BudgetCallGuard implements CallGuard {
  private n = 0;
  /** The reservation the guard stage made for the request's first call (with its rate limits), until used. */
  private prepaid: BudgetTicket | null = null;
  /** The prepaid call that has begun and not ended. */
  private running: BudgetTicket | null = null;
  /** The prepaid call ended while the guard stage is open, and its cost: settled with the rate lines. */
  private held: BudgetTicket | null = null;
  private heldActual = 0;
  /** The rate lines the guard stage left for the prepaid call still running to write with its own. */
  private tail: readonly SettleLine[] = NO_LINES;
  private stageOpen = true;

  /** `scope`: the request's (request-scope.ts), shared with other requests; only its call cache is written. */
  constructor(
    private readonly gov: Governance,
    private readonly catalog: PriceCatalog,
    private readonly scope: Pick<RequestScope, 'facts' | 'extra' | 'call'>,
  ) {}

  /**
   * The call's plan against `configured` budgets (the governance's list) and the key's own, or null when no
   * budget applies; throws when an enforcing budget cannot price it.
   */
  plan(ctx: RequestContext, target: Target, configured: readonly CompiledBudget[]): CallPlan | null {
    const cs = callScope(this.scope, target, configured, this.catalog);
    if (cs.budgets.length === 0) return null;
    const nano = worstCaseNano(ctx.request, target.model, cs.price, this.gov.config);
    if (nano === null && cs.enforcing)
      throw new PennyError(
        'budget_unpriced',
        `model "${target.model}" has no known price, so Penny cannot bound its cost under budget "${cs.enforcing.name}"; add a price for it under \`prices\` in the config`,
      );
    return { facts: cs.facts, budgets: cs.budgets, price: cs.price, amount: nano ?? 0 };
  }

  /** The next reservation id of this request. */
  nextId(ctx: RequestContext): string {
    return `${ctx.id}:${this.n++}`;
  }

  /**
   * Records a reservation the guard stage made (under `id`, with the request's rate limits, in one store
   * round trip) for a call to `target`: `lines[from…]` are the plan's budget lines. The first call to that
   * target uses it instead of reserving again.
   */
  prepay(target: Target, id: string, plan: CallPlan, lines: readonly ReserveLine[], from: number): void {
    this.prepaid = new BudgetTicket(this, target, id, plan, lines, from, true);
  }

  /**
   * The guard stage is done with the request: settles its rate lines (`rate`, under `rateId`: the prepaid
   * reservation's id when there is one) together with the prepaid reservation in one settlement — at 0 when
   * no call used it (cache hit, refusal, another route), at the call's cost when it has ended. A prepaid call
   * still running writes the rate lines with its own when it ends, so its reservation is held until then.
   */
  finish(rateId: string | null, rate: SettleLine[] | null): void {
    this.stageOpen = false;
    const pre = this.prepaid;
    const held = this.held;
    this.prepaid = null;
    this.held = null;
    if (pre) {
      const joined = rate !== null && rateId === pre.id ? rate : NO_LINES;
      if (rate && joined === NO_LINES) this.gov.settle(rateId!, rate);
      const lines = new Array<SettleLine>(pre.lines.length - pre.from + joined.length);
      let i = 0;
      for (let j = pre.from; j < pre.lines.length; j++) {
        const l = pre.lines[j]!;
        lines[i++] = { key: l.key, window: l.window, actual: 0 };
      }
      for (const l of joined) lines[i++] = l;
      this.gov.settle(pre.id, lines);
    } else if (held) {
      if (rate !== null && rateId === held.id) this.settleCall(held, this.heldActual, rate);
      else {
        if (rate) this.gov.settle(rateId!, rate);
        this.settleCall(held, this.heldActual, NO_LINES);
      }
    } else if (rate && this.running !== null && rateId === this.running.id) this.tail = rate;
    else if (rate) this.gov.settle(rateId!, rate);
  }

  begin(ctx: RequestContext, target: Target): CallTicket | null | Promise<CallTicket | null> {
    const pre = this.prepaid;
    if (pre && pre.target.provider.name === target.provider.name && pre.target.model === target.model) {
      this.prepaid = null;
      this.running = pre;
      return pre;
    }
    return this.reserveCall(ctx, target);
  }

  private async reserveCall(ctx: RequestContext, target: Target): Promise<CallTicket | null> {
    const listed = this.gov.budgets();
    const plan = this.plan(ctx, target, listed instanceof Promise ? await listed : listed);
    if (plan === null) return null;
    const { facts, budgets, amount } = plan;
    const id = this.nextId(ctx);
    let built: BudgetLine[] = [];
    let lines: ReserveLine[];
    try {
      const r = await this.gov.reserve(id, (now) => {
        built = planLines(plan, now, this.gov.config.timeZone);
        return built.map((b) => b.line);
      });
      if (!r.result.ok) {
        if (r.result.reason === 'clock')
          throw new Error('the store clock and the window still disagree after a resync');
        throw this.refuse(
          ctx,
          built[r.result.index]!,
          r.result.snapshot,
          r.result.now,
          amount,
          facts,
          target,
        );
      }
      lines = r.lines;
    } catch (e) {
      if (e instanceof PennyError) throw e;
      this.gov.storeError('reserving budget', e);
      if (budgets.some((b) => b.failMode === 'closed')) {
        this.gov.stats.refusals.unavailable++;
        throw new PennyError(
          'governance_unavailable',
          'the budget store is unreachable and a budget that applies fails closed; retry shortly',
          { cause: e, retryable: true },
        );
      }
      this.gov.stats.failOpen++;
      if (!ctx.flags.includes('budget_unchecked')) ctx.flags.push('budget_unchecked');
      return null;
    }
    return new BudgetTicket(this, target, id, plan, lines, 0, false);
  }

  /** Counts and describes a refusal of line `hit` (also used by the guard stage's combined reservation). */
  refuse(
    ctx: RequestContext,
    hit: BudgetLine,
    snapshot: CounterSnapshot,
    now: number,
    amount: number,
    facts: Facts,
    target: Target,
  ): PennyError {
    this.gov.stats.refusals.budget++;
    const scope = describeScope(hit.budget, facts);
    this.gov.thresholds.refused(hit.budget, hit.line, snapshot, scope);
    return refusal(ctx, hit, snapshot, now, amount, scope, target.model);
  }

  /**
   * A call ended (BudgetTicket.end): its reservation is replaced by its exact cost. The prepaid call's
   * settlement is held for the guard stage while it is still open (written with the rate lines, one settle).
   */
  ended(t: BudgetTicket, outcome: Outcome | null): void {
    const actual = outcome?.usage ? costNanoCeil(outcome.usage, t.plan.price) : 0;
    if (!t.prepaid) {
      this.settleCall(t, actual, NO_LINES);
      return;
    }
    this.running = null;
    if (this.stageOpen) {
      this.held = t;
      this.heldActual = actual;
      return;
    }
    // The rate lines the closed stage left for this call are written with it.
    const tail = this.tail;
    this.tail = NO_LINES;
    this.settleCall(t, actual, tail);
  }

  /**
   * Settles call `t` at `actual`: one line per budget, in the plan's order, then the spend-rate lines and
   * `extra` (the request's rate lines, when they ride along), in one array sized up front.
   */
  private settleCall(t: BudgetTicket, actual: number, extra: readonly SettleLine[]): void {
    const rate = this.gov.thresholds.spendRateLines(actual);
    const own = t.lines.length - t.from;
    const lines = new Array<SettleLine>(own + rate.length + extra.length);
    let i = 0;
    for (let j = t.from; j < t.lines.length; j++) {
      const l = t.lines[j]!;
      lines[i++] = { key: l.key, window: l.window, actual };
    }
    for (const l of rate) lines[i++] = l;
    for (const l of extra) lines[i++] = l;
    this.gov.settleBudgets(t.id, lines, t.plan.budgets, t.plan.facts);
  }
}

function refusal(
  ctx: RequestContext,
  hit: BudgetLine,
  s: CounterSnapshot,
  now: number,
  amount: number,
  scope: string,
  model: string,
): PennyError {
  const b = hit.budget;
  const limit = b.limitNano;
  // Blocked only by calls in flight: their settlement (usually far below the worst case) frees room soon.
  const inFlightOnly = s.spent + amount <= limit;
  const resetAt = s.resetAt;
  const retryAfter = inFlightOnly
    ? 1
    : resetAt === null
      ? null
      : Math.max(1, Math.ceil((resetAt - now) / 1000));
  if (retryAfter !== null) ctx.headers['retry-after'] = String(retryAfter);
  ctx.headers['x-penny-budget'] = b.name;
  const reset =
    resetAt === null ? 'a total budget, it does not reset' : `resets ${new Date(resetAt).toISOString()}`;
  const err = new PennyError(
    'budget_exceeded',
    `budget "${b.name}" (${scope}; ${b.window}) cannot cover this call to ${model}: limit ${nanoToDisplay(limit)}, spent ${nanoToDisplay(s.spent)}, reserved ${nanoToDisplay(s.reserved)} by calls in flight, this call needs up to ${nanoToDisplay(amount)}; ${reset}`,
    {
      details: {
        budget: b.name,
        policy: b.policy,
        scope,
        window: b.window,
        limit_usd: b.limitUsd,
        spent_usd: nanoToUsd(s.spent),
        reserved_usd: nanoToUsd(s.reserved),
        needed_usd: nanoToUsd(amount),
        reset_at: resetAt === null ? null : new Date(resetAt).toISOString(),
        retry_after_seconds: retryAfter,
      },
    },
  );
  // Also on the error itself: a refusal inside a cascade step or fallback happens on a child context.
  err.clientHeaders = {
    ...(retryAfter !== null ? { 'retry-after': String(retryAfter) } : {}),
    'x-penny-budget': b.name,
  };
  return err;
}
