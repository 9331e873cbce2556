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
import { PennyError } from '../core/errors.js';
import { BUDGET } from '../pipeline/budget-verdict.js';
import type { Outcome, RequestContext } from '../pipeline/context.js';
import { type Stage, defineStage } from '../pipeline/stage.js';
import type { PriceCatalog } from '../pricing/catalog.js';
import type { Target, TargetResolver } from '../providers/resolve-target.js';
import { type BudgetLine, budgetLine, keyBudget, type CompiledBudget } from './budget.js';
import { BudgetCallGuard, type CallPlan } from './call-reservation.js';
import type { ReserveLine, SettleLine } from './counter-store.js';
import type { Governance } from './governance.js';
import { anyGlobMatches } from './glob.js';
import type { VirtualKeyRecord } from './key-store.js';
import { type RateLine, formatReset, keyRateLimit, rateHeaders, rateLines } from './rate-limit.js';
import { type Facts, describeScope, scopeApplies } from './scope.js';
import { looksLikeVirtualKey } from './virtual-key.js';
import { picoToNanoCeil } from './units.js';
import { promptTokens, worstCase } from './worst-case.js';

export interface GuardDeps {
  gov: Governance;
  catalog: PriceCatalog;
  resolver: TargetResolver;
}

export function createGuardStage(deps: GuardDeps): Stage {
  const { gov, catalog, resolver } = deps;
  return defineStage({
    name: 'guard',
    async run(ctx, next) {
      const rec = await verifyCaller(gov, ctx.requestHeaders, ctx.attribution, ctx.request.model);
      const facts: Facts = {
        feature: ctx.attribution.feature,
        key: ctx.attribution.keyId,
        user: ctx.attribution.user,
        model: ctx.request.model,
        provider: providerOf(resolver, ctx.request.model),
      };
      const own = rec ? keyBudget(rec) : null;
      const extra = own ? [own] : [];
      const budgets = [...(await gov.budgets()), ...extra];
      const guard = budgets.length > 0 ? new BudgetCallGuard(gov, catalog, facts, extra) : null;
      const pre = guard ? await prepayable(guard, resolver, ctx) : null;
      const rate = await admitRate(gov, ctx, facts, rec, pre, guard);
      if (guard) {
        await markDowngrade(gov, catalog, ctx, facts, budgets);
        ctx.callGuard = guard;
      }
      let outcome: Outcome | null = null;
      try {
        outcome = await next();
        return outcome;
      } finally {
        const unused = guard?.unusedPrepaid() ?? null;
        if (rate || unused) settleRate(gov, rate, unused, outcome);
      }
    },
  });
}

/** The first call's target and plan when it can be reserved with the rate limits (no downgrade in play). */
async function prepayable(
  guard: BudgetCallGuard,
  resolver: TargetResolver,
  ctx: RequestContext,
): Promise<{ target: Target; plan: CallPlan } | null> {
  let target: Target;
  try {
    target = resolver.resolve(ctx.request.model);
  } catch {
    return null;
  }
  try {
    const plan = await guard.plan(ctx, target);
    if (!plan || plan.budgets.some((b) => b.policy === 'downgrade')) return null;
    return { target, plan };
  } catch {
    // Unpriced: the call's own check refuses it with the message that says so.
    return null;
  }
}

/**
 * Who is calling and may they: verifies a virtual key (it becomes the attribution's key), checks its
 * allow-lists, and refuses a request without any key when governance.requireKeys is on.
 */
export async function verifyCaller(
  gov: Governance,
  headers: RequestContext['requestHeaders'],
  attribution: RequestContext['attribution'],
  model: string,
): Promise<VirtualKeyRecord | null> {
  const presented = virtualKeyIn(headers);
  if (presented !== undefined) {
    const rec = await gov.verify(presented);
    attribution.keyId = rec.name;
    checkAllowed(gov, rec, attribution.feature, model);
    return rec;
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

function virtualKeyIn(h: RequestContext['requestHeaders']): string | undefined {
  if (!h) return undefined;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const penny = one(h['x-penny-key']);
  if (penny && looksLikeVirtualKey(penny)) return penny;
  const auth = one(h.authorization);
  const m = auth ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  if (m && looksLikeVirtualKey(m[1]!.trim())) return m[1]!.trim();
  const x = one(h['x-api-key']);
  if (x && looksLikeVirtualKey(x)) return x;
  return undefined;
}

function providerOf(resolver: TargetResolver, model: string): string | null {
  try {
    return resolver.resolve(model).provider.name;
  } catch {
    return null;
  }
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

async function admitRate(
  gov: Governance,
  ctx: RequestContext,
  facts: Facts,
  rec: VirtualKeyRecord | null,
  pre: { target: Target; plan: CallPlan } | null,
  guard: BudgetCallGuard | null,
): Promise<AdmittedRate | null> {
  const own = rec ? keyRateLimit(rec) : null;
  const limits = [...gov.rateLimits, ...(own ? [own] : [])].filter((l) => scopeApplies(l, facts));
  if (limits.length === 0) return null;
  const tokens = limits.some((l) => l.tpm !== null)
    ? promptTokens(ctx.request, ctx.request.model) + (ctx.request.maxTokens ?? 0)
    : 0;
  // With budgets, the first call's reservation rides in the same atomic step (one store round trip).
  const id = guard && pre ? guard.nextId(ctx) : `${ctx.id}:rate`;
  let built: RateLine[] = [];
  let budgetBuilt: BudgetLine[] = [];
  try {
    let r = await gov.reserve(id, (now) => {
      built = rateLines(limits, facts, now, tokens);
      budgetBuilt = pre ? pre.plan.lines(now) : [];
      return [...built.map((l) => l.line), ...budgetBuilt.map((b) => b.line)];
    });
    if (!r.result.ok && r.result.reason === 'over' && r.result.index >= built.length) {
      // The budget refuses: the call's own check (at call time, on the target actually called) says so.
      budgetBuilt = [];
      r = await gov.reserve(id, (now) => {
        built = rateLines(limits, facts, now, tokens);
        return built.map((l) => l.line);
      });
    }
    if (r.result.ok) {
      Object.assign(ctx.headers, rateHeaders(built, r.result.lines, r.result.now));
      if (guard && pre && budgetBuilt.length > 0)
        guard.prepay(pre.target, id, pre.plan, budgetBuilt, r.lines.slice(built.length));
      return { id, lines: built };
    }
    if (r.result.reason === 'clock')
      throw new Error('the store clock and the window still disagree after a resync');
    const hit = built[r.result.index]!;
    const s = r.result.snapshot;
    const now = r.result.now;
    const wait = Math.max(1, Math.ceil(((s.resetAt ?? now + 1000) - now) / 1000));
    ctx.headers['retry-after'] = String(wait);
    const limit = hit.line.limit ?? 0;
    ctx.headers[`x-ratelimit-limit-${hit.kind}`] = String(limit);
    ctx.headers[`x-ratelimit-remaining-${hit.kind}`] = String(Math.max(0, limit - s.spent - s.reserved));
    ctx.headers[`x-ratelimit-reset-${hit.kind}`] = formatReset((s.resetAt ?? now) - now);
    gov.stats.refusals.rate++;
    const what = hit.kind === 'requests' ? 'requests' : 'tokens';
    const need = hit.kind === 'tokens' ? ` (this request counts ${hit.line.amount} tokens)` : '';
    throw new PennyError(
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
  } catch (e) {
    if (e instanceof PennyError) throw e;
    gov.storeError('checking rate limits', e);
    if (limits.some((l) => l.failMode === 'closed')) {
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

/** Settles the rate lines to what was used, and releases a prepaid budget reservation no call used. */
function settleRate(
  gov: Governance,
  rate: AdmittedRate | null,
  unused: { id: string; lines: ReserveLine[] } | null,
  outcome: Outcome | null,
): void {
  const u = outcome?.usage;
  const used = u
    ? u.inputUncached + u.cacheRead + u.cacheWrite5m + u.cacheWrite1h + u.outputText + u.reasoning
    : 0;
  const lines: SettleLine[] = rate
    ? rate.lines.map((l) => ({
        key: l.line.key,
        window: l.line.window,
        actual: l.kind === 'requests' ? 1 : used,
      }))
    : [];
  if (unused && rate && unused.id === rate.id) {
    for (const l of unused.lines) lines.push({ key: l.key, window: l.window, actual: 0 });
    gov.settle(rate.id, lines);
    return;
  }
  if (rate) gov.settle(rate.id, lines);
  if (unused)
    gov.settle(
      unused.id,
      unused.lines.map((l) => ({ key: l.key, window: l.window, actual: 0 })),
    );
}

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
  const counters = gov.reader();
  if (downgrade.length === 0 || !counters) return;
  const price = catalog.lookup(ctx.request.model, facts.provider ?? undefined);
  const wc = worstCase(ctx.request, ctx.request.model, price, gov.config);
  const amount = wc.cost === null ? 0 : picoToNanoCeil(wc.cost);
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
