/**
 * The guard stage (after attribution, before shortcut and cache): who is calling, may they, and how fast.
 * 1. A virtual key (`sk-penny-…` as Bearer, x-api-key or x-penny-key) is verified — 401 saying whether it is
 *    malformed, unknown, revoked or expired — and becomes the request's key in the ledger.
 * 2. The key's allow-lists (features, models; globs) — 403 naming what is not allowed.
 * 3. Rate limits (rpm/tpm per key, feature, user …) — 429 with retry-after and x-ratelimit-* headers.
 * 4. Downgrade budgets: when the requested model's worst case no longer fits, the route condition
 *    `when: { budget: exceeded }` holds (`ctx.meta.budget.state`), so a cheaper route can serve.
 * 5. Every upstream call is then checked by the BudgetCallGuard put on the context (call-reservation.ts).
 */
import { bearerToken } from '../core/bearer.js';
import { PennyError } from '../core/errors.js';
import { BUDGET } from '../pipeline/budget-verdict.js';
import type { Outcome, RequestContext } from '../pipeline/context.js';
import { type Stage, defineStage } from '../pipeline/stage.js';
import type { PriceCatalog } from '../pricing/catalog.js';
import type { Target, TargetResolver } from '../providers/resolve-target.js';
import { budgetLine, budgetReserveLine, type CompiledBudget } from './budget.js';
import { BudgetCallGuard, type CallPlan } from './call-reservation.js';
import type { CounterSnapshot, ReserveLine, SettleLine } from './counter-store.js';
import type { Governance, Reserved } from './governance.js';
import { anyGlobMatches } from './glob.js';
import type { VirtualKeyRecord } from './key-store.js';
import { type RateLine, formatReset, rateHeaders, rateLines } from './rate-limit.js';
import { type RequestScope, RequestScopes } from './request-scope.js';
import { type Facts, describeScope, scopeApplies } from './scope.js';
import { looksLikeVirtualKey } from './virtual-key.js';
import { promptTokens, worstCase } from './worst-case.js';

export interface GuardDeps {
  gov: Governance;
  catalog: PriceCatalog;
  resolver: TargetResolver;
}

export function createGuardStage(deps: GuardDeps): Stage {
  const { gov, catalog, resolver } = deps;
  const scopes = new RequestScopes(resolver);
  return defineStage({
    name: 'guard',
    async run(ctx, next) {
      // Values when cached (the usual case), promises only when the store must be read.
      const verified = verifyCaller(gov, ctx.requestHeaders, ctx.attribution, ctx.request.model);
      const rec = verified instanceof Promise ? await verified : verified;
      const listed = gov.budgets();
      const configured = listed instanceof Promise ? await listed : listed;
      const scope = scopes.get(rec, configured, gov.rateLimits, ctx.attribution, ctx.request.model);
      const guard = scope.guarded ? new BudgetCallGuard(gov, catalog, scope) : null;
      const pre = guard && scope.target ? prepayable(guard, scope.target, ctx, configured) : null;
      const admitted = admitRate(gov, ctx, scope, pre, guard);
      const rate = admitted instanceof Promise ? await admitted : admitted;
      if (guard) {
        if (scope.downgrade) await markDowngrade(gov, catalog, ctx, scope.facts, configured);
        ctx.callGuard = guard;
      }
      let outcome: Outcome | null = null;
      try {
        outcome = await next();
        return outcome;
      } finally {
        const used = rate ? rateSettlement(rate, outcome) : null;
        if (guard) guard.finish(rate === null ? null : rate.id, used);
        else if (rate !== null && used !== null) gov.settle(rate.id, used);
      }
    },
  });
}

const isDowngrade = (b: CompiledBudget) => b.policy === 'downgrade';

/** The first call's plan (for `target`) when it can be reserved with the rate limits (no downgrade in play). */
function prepayable(
  guard: BudgetCallGuard,
  target: Target,
  ctx: RequestContext,
  configured: readonly CompiledBudget[],
): CallPlan | null {
  try {
    const plan = guard.plan(ctx, target, configured);
    if (!plan || plan.budgets.some(isDowngrade)) return null;
    return plan;
  } catch {
    // Unpriced: the call's own check refuses it with the message that says so.
    return null;
  }
}

/**
 * Who is calling and may they: verifies a virtual key (it becomes the attribution's key), checks its
 * allow-lists, and refuses a request without any key when governance.requireKeys is on.
 */
export function verifyCaller(
  gov: Governance,
  headers: RequestContext['requestHeaders'],
  attribution: RequestContext['attribution'],
  model: string,
): VirtualKeyRecord | null | Promise<VirtualKeyRecord | null> {
  const presented = virtualKeyIn(headers);
  if (presented !== undefined) {
    const rec = gov.verify(presented);
    // A closure only when the record must be read (the usual case is a value: no function made per request).
    if (rec instanceof Promise) return rec.then((r) => allowedCaller(gov, r, attribution, model));
    return allowedCaller(gov, rec, attribution, model);
  }
  if (gov.config.requireKeys && attribution.keyId === null) {
    gov.stats.refusals.key++;
    throw new PennyError(
      'unauthorized',
      'a Penny key is required (governance.requireKeys): send it as the API key of your SDK (Authorization: Bearer or x-api-key)',
    );
  }
  return null;
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** A verified key becomes the request's key; its allow-lists are checked. */
function allowedCaller(
  gov: Governance,
  rec: VirtualKeyRecord,
  attribution: RequestContext['attribution'],
  model: string,
): VirtualKeyRecord {
  attribution.keyId = rec.name;
  checkAllowed(gov, rec, attribution.feature, model);
  return rec;
}

function virtualKeyIn(h: RequestContext['requestHeaders']): string | undefined {
  if (!h) return undefined;
  const penny = one(h['x-penny-key']);
  if (penny && looksLikeVirtualKey(penny)) return penny;
  const auth = one(h.authorization);
  const bearer = bearerToken(auth);
  if (bearer !== undefined && looksLikeVirtualKey(bearer)) return bearer;
  const x = one(h['x-api-key']);
  if (x && looksLikeVirtualKey(x)) return x;
  return undefined;
}

function checkAllowed(gov: Governance, rec: VirtualKeyRecord, feature: string | null, model: string): void {
  if (rec.features !== null && (feature === null || !anyGlobMatches(rec.features, feature))) {
    gov.stats.refusals.key++;
    throw new PennyError(
      'forbidden',
      feature === null
        ? `Penny key "${rec.name}" is limited to features ${rec.features.join(', ')}: send the feature in x-penny-feature`
        : `Penny key "${rec.name}" may not use feature "${feature}" (allowed: ${rec.features.join(', ')})`,
    );
  }
  if (rec.models !== null && !anyGlobMatches(rec.models, model)) {
    gov.stats.refusals.key++;
    throw new PennyError(
      'forbidden',
      `Penny key "${rec.name}" may not use model "${model}" (allowed: ${rec.models.join(', ')})`,
      { param: 'model' },
    );
  }
}

interface AdmittedRate {
  id: string;
  lines: RateLine[];
}

/**
 * Admits the request under the rate limits that apply (with the first call's budget reservation in the same
 * atomic step when `pre`); sets the x-ratelimit-* headers, or throws a 429. A value when the leased
 * allowances admit it in process (the usual case), a promise when the store must be asked.
 */
function admitRate(
  gov: Governance,
  ctx: RequestContext,
  scope: RequestScope,
  pre: CallPlan | null,
  guard: BudgetCallGuard | null,
): AdmittedRate | null | Promise<AdmittedRate | null> {
  if (scope.limits.length === 0) return null;
  const a = new RateAdmission(gov, ctx, scope, pre, guard);
  try {
    const r = gov.reserve(a.id, a.build, scope.reserveOpts);
    const out = r instanceof Promise ? r.then((x) => a.admitted(x)) : a.admitted(r);
    return out instanceof Promise ? out.catch((e: unknown) => a.failed(e)) : out;
  } catch (e) {
    return a.failed(e);
  }
}

/**
 * One request's rate admission: an object with the lines it built rather than a closure per step (this is
 * made for every request). Once admitted it is the admission itself (`id`, `lines`) that the stage settles.
 */
class RateAdmission implements AdmittedRate {
  readonly id: string;
  /** The rate lines of the last build. */
  lines: RateLine[] = NO_RATE_LINES;
  /** Whether the last build had the first call's budget lines (not once the budget refused them). */
  private budgeted = false;
  private readonly tokens: number;

  constructor(
    private readonly gov: Governance,
    private readonly ctx: RequestContext,
    private readonly scope: RequestScope,
    /** The first call's plan, for the requested model's target (`scope.target`). */
    private pre: CallPlan | null,
    private readonly guard: BudgetCallGuard | null,
  ) {
    const req = ctx.request;
    this.tokens = scope.countsTokens ? promptTokens(req, req.model) + (req.maxTokens ?? 0) : 0;
    // With budgets, the first call's reservation rides in the same atomic step (one store round trip).
    this.id = guard && pre ? guard.nextId(ctx) : `${ctx.id}:rate`;
  }

  /** The lines for the store's time `now`: the rate lines, then the first call's budget lines. */
  readonly build = (now: number): ReserveLine[] => {
    const rate = rateLines(this.scope.limits, this.scope.facts, now, this.tokens);
    this.lines = rate;
    const plan = this.pre;
    const budgets = plan ? plan.budgets.length : 0;
    this.budgeted = budgets > 0;
    const out = new Array<ReserveLine>(rate.length + budgets);
    for (let i = 0; i < rate.length; i++) out[i] = rate[i]!.line;
    const tz = this.gov.config.timeZone;
    for (let i = 0; i < budgets; i++)
      out[rate.length + i] = budgetReserveLine(plan!.budgets[i]!, plan!.facts, now, tz, plan!.amount);
    return out;
  };

  admitted(r: Reserved): AdmittedRate | Promise<AdmittedRate> {
    const { gov, ctx } = this;
    if (!r.result.ok && r.result.reason === 'over' && r.result.index >= this.lines.length) {
      // The budget refuses: the call's own check (at call time, on the target actually called) says so.
      this.pre = null;
      const again = gov.reserve(this.id, this.build);
      return again instanceof Promise ? again.then((x) => this.admitted(x)) : this.admitted(again);
    }
    if (r.result.ok) {
      rateHeaders(this.lines, r.result.lines, r.result.now, ctx.headers);
      const { guard, pre } = this;
      if (guard && pre && this.budgeted)
        guard.prepay(this.scope.target!, this.id, pre, r.lines, this.lines.length);
      return this;
    }
    if (r.result.reason === 'clock')
      throw new Error('the store clock and the window still disagree after a resync');
    const hit = this.lines[r.result.index]!;
    throw rateRefusal(gov, ctx, this.scope.facts, hit, r.result.snapshot, r.result.now);
  }

  failed(e: unknown): null {
    const { gov } = this;
    if (e instanceof PennyError) throw e;
    gov.storeError('checking rate limits', e);
    if (this.scope.limits.some((l) => l.failMode === 'closed')) {
      gov.stats.refusals.unavailable++;
      throw new PennyError('governance_unavailable', 'the rate-limit store is unreachable; retry shortly', {
        cause: e,
        retryable: true,
      });
    }
    gov.stats.failOpen++;
    return null;
  }
}

const NO_RATE_LINES: RateLine[] = [];

/** The 429 for rate line `hit` (with retry-after and the hit limit's x-ratelimit-* headers). */
function rateRefusal(
  gov: Governance,
  ctx: RequestContext,
  facts: Facts,
  hit: RateLine,
  s: CounterSnapshot,
  now: number,
): PennyError {
  const wait = Math.max(1, Math.ceil(((s.resetAt ?? now + 1000) - now) / 1000));
  ctx.headers['retry-after'] = String(wait);
  const limit = hit.line.limit ?? 0;
  ctx.headers[`x-ratelimit-limit-${hit.kind}`] = String(limit);
  ctx.headers[`x-ratelimit-remaining-${hit.kind}`] = String(Math.max(0, limit - s.spent - s.reserved));
  ctx.headers[`x-ratelimit-reset-${hit.kind}`] = formatReset((s.resetAt ?? now) - now);
  gov.stats.refusals.rate++;
  const what = hit.kind === 'requests' ? 'requests' : 'tokens';
  const need = hit.kind === 'tokens' ? ` (this request counts ${hit.line.amount} tokens)` : '';
  return new PennyError(
    'rate_limited',
    `rate limit "${hit.limit.name}" (${describeScope(hit.limit, facts)}) reached: ${limit} ${what} per minute${need}; retry in ${wait}s`,
    {
      details: {
        rate_limit: hit.limit.name,
        kind: hit.kind,
        limit,
        used: s.spent + s.reserved,
        retry_after_seconds: wait,
      },
    },
  );
}

/** The rate lines settled to what the request used (1 request; its tokens, 0 when it failed before usage). */
function rateSettlement(rate: AdmittedRate, outcome: Outcome | null): SettleLine[] {
  const u = outcome?.usage;
  const used = u
    ? u.inputUncached + u.cacheRead + u.cacheWrite5m + u.cacheWrite1h + u.outputText + u.reasoning
    : 0;
  const lines = new Array<SettleLine>(rate.lines.length);
  for (let i = 0; i < lines.length; i++) {
    const l = rate.lines[i]!;
    lines[i] =
      l.kind === 'requests' ? oneRequest(l.line) : { key: l.line.key, window: l.line.window, actual: used };
  }
  return lines;
}

/** The settlement of a requests line (1), one per line: requests lines are shared while their counter stays. */
function oneRequest(line: ReserveLine): SettleLine {
  let s = settledOne.get(line);
  if (s === undefined) {
    s = { key: line.key, window: line.window, actual: 1 };
    settledOne.set(line, s);
  }
  return s;
}

const settledOne = new WeakMap<ReserveLine, SettleLine>();

/**
 * For downgrade budgets that match the request: `exceeded` when the requested model's worst case no longer
 * fits, `warning` past the budget's highest alert threshold below 100%, else `ok`.
 */
async function markDowngrade(
  gov: Governance,
  catalog: PriceCatalog,
  ctx: RequestContext,
  facts: Facts,
  budgets: readonly CompiledBudget[],
): Promise<void> {
  const downgrade = budgets.filter((b) => b.policy === 'downgrade' && scopeApplies(b, facts));
  if (downgrade.length === 0) return;
  const counters = gov.reader();
  if (!counters) return;
  const price = catalog.lookup(ctx.request.model, facts.provider ?? undefined);
  const wc = worstCase(ctx.request, ctx.request.model, price, gov.config);
  const amount = wc.nano ?? 0;
  const now = gov.now();
  const lines = downgrade.map((b) => budgetLine(b, facts, now, gov.config.timeZone, amount));
  let snaps: Awaited<ReturnType<typeof counters.read>>;
  try {
    snaps = await counters.read(lines.map((l) => l.line));
  } catch (e) {
    gov.storeError('reading budgets', e);
    return;
  }
  let state: 'ok' | 'warning' | 'exceeded' = 'ok';
  let which: string | null = null;
  for (const [i, l] of lines.entries()) {
    const s = snaps[i]!;
    const b = l.budget;
    const used = s.spent + s.reserved;
    if (wc.cost === null || used + amount > b.limitNano) {
      state = 'exceeded';
      which = b.name;
      break;
    }
    const warnAt = Math.max(0, ...b.alertAt.filter((t) => t < 100));
    if (state === 'ok' && warnAt > 0 && used >= (b.limitNano * warnAt) / 100) {
      state = 'warning';
      which = b.name;
    }
  }
  ctx.slots.set(BUDGET, { state, ...(which ? { budget: which } : {}) });
  if (state === 'exceeded') ctx.headers['x-penny-budget'] = which ?? '';
}
