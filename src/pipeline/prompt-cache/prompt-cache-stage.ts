/**
 * The provider prompt-caching stage, the last before execution (the target model is known here: the
 * route stage's `ctx.meta.route.target` when present, else the gateway's own target resolution).
 * Anthropic targets get `cache_control` breakpoints on reused prefixes (place-breakpoints.ts); OpenAI
 * targets get a `prompt_cache_key` per feature and stable prefix so requests land on warm caches. It also
 * watches each feature's system prompt for prefix breakers and reports them with what they cost.
 * Savings `cache.prompt` are booked only for Anthropic requests where Penny placed markers: reads the
 * caller would have had anyway (its own markers, OpenAI's automatic caching) are not Penny's to claim.
 */
import { createHash } from 'node:crypto';
import type { LoadedConfig } from '../../config/load.js';
import { type Money, moneyToDecimal } from '../../core/money.js';
import type { CanonicalRequest } from '../../core/request.js';
import type { Logger } from '../../observability/logger.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import { computeCost } from '../../pricing/cost.js';
import { PROVIDER_TYPES } from '../../providers/registry.js';
import { type Target, TargetResolver } from '../../providers/resolve-target.js';
import type { Next, Outcome, RequestContext, Stage } from '../context.js';
import type { CacheGlobalConfig } from '../cache/config.js';
import { featurePolicy } from '../stages.js';
import { promptCacheMinTokens } from './min-tokens.js';
import { type Placement, applyBreakpoints, planBreakpoints } from './place-breakpoints.js';
import { type BreakerKind, BreakerDetector } from './prefix-breakers.js';
import { type PrefixStats, ReuseTracker } from './reuse-tracker.js';
import { scanPrefix } from './prefix-boundaries.js';
import { lostReadCost, promptCacheSavings } from './prompt-savings.js';

/** What the stage did, in `ctx.meta.promptCache`. */
export interface PromptCacheMeta {
  target?: 'anthropic' | 'openai';
  minTokens?: number;
  clientMarkers?: number;
  placed?: Array<Pick<Placement, 'kind' | 'index' | 'tokens' | 'ttl' | 'reason'>>;
  promptCacheKey?: string;
  breaker?: {
    kind: BreakerKind;
    /** Estimated token offset of the dynamic span in the system prompt. */
    atToken: number;
    /** System-prompt tokens after it that could have been cache reads. */
    lostTokens: number;
    /** lostTokens × (input − cache read price), USD decimal; "0" below the caching minimum. */
    lostCost: string | null;
    before: string;
  };
}

export interface PromptCacheStageDeps {
  loaded: LoadedConfig;
  catalog: PriceCatalog;
  logger: Logger;
  now?: () => number;
}

const OPENAI_KEY_TYPES = new Set(['openai', 'azure-openai']);
const WARN_EVERY_MS = 10 * 60_000;

export class PromptCacheStage implements Stage {
  readonly name = 'prompt-cache';
  private readonly cfg: CacheGlobalConfig['prompt'];
  private readonly resolver: TargetResolver;
  private readonly tracker: ReuseTracker;
  private readonly breakers = new BreakerDetector();
  private readonly enabledFor = new Map<string, boolean>();
  private readonly warned = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly deps: PromptCacheStageDeps) {
    this.cfg = deps.loaded.config.cache.prompt;
    this.resolver = new TargetResolver(deps.loaded);
    this.now = deps.now ?? Date.now;
    this.tracker = new ReuseTracker(this.cfg.maxTrackedPrefixes, this.now);
  }

  /** True when prompt caching is on globally or for some feature. */
  static configured(loaded: LoadedConfig): boolean {
    if (loaded.config.cache.prompt.enabled) return true;
    return Object.values(loaded.config.features).some((f) => f.cache?.prompt.enabled === true);
  }

  async run(ctx: RequestContext, next: Next): Promise<Outcome> {
    if (!this.enabled(ctx.attribution.feature)) return next();
    const target = this.targetOf(ctx);
    const meta: PromptCacheMeta = {};
    if (this.cfg.breakers && ctx.request.system.length) this.detectBreaker(ctx, target, meta);
    let acted = false;
    if (target) {
      const dialect = PROVIDER_TYPES[target.provider.type].dialect;
      if (dialect === 'anthropic') acted = this.placeAnthropic(ctx, target, meta);
      // OpenAI caches without Penny; the key only raises the hit rate, so its reads are not booked as savings.
      else if (OPENAI_KEY_TYPES.has(target.provider.type)) this.keyOpenAI(ctx, target, meta);
    }
    if (meta.placed || meta.promptCacheKey || meta.breaker) ctx.meta.promptCache = meta;
    const outcome = await next();
    if (acted && outcome.usage && outcome.status !== 'error') this.book(ctx, outcome, target!);
    return outcome;
  }

  private enabled(feature: string | null): boolean {
    const name = feature ?? '';
    let on = this.enabledFor.get(name);
    if (on === undefined) {
      on = featurePolicy(this.deps.loaded, feature)?.cache?.prompt.enabled ?? this.cfg.enabled;
      if (this.enabledFor.size >= 1000) this.enabledFor.clear();
      this.enabledFor.set(name, on);
    }
    return on;
  }

  private targetOf(ctx: RequestContext): Target | null {
    const routed = (ctx.meta.route as { target?: { provider?: unknown; model?: unknown } } | undefined)
      ?.target;
    if (routed && typeof routed.provider === 'string' && typeof routed.model === 'string') {
      const provider = this.deps.loaded.providers.find((p) => p.name === routed.provider);
      if (provider) return { provider, model: routed.model };
    }
    if (!this.resolver.hasProviders) return null;
    try {
      return this.resolver.resolve(ctx.request.model);
    } catch {
      return null;
    }
  }

  private placeAnthropic(ctx: RequestContext, target: Target, meta: PromptCacheMeta): boolean {
    const req = ctx.request;
    const min = promptCacheMinTokens(this.deps.catalog, target.model, 'anthropic', target.provider.name);
    meta.target = 'anthropic';
    if (estimateTokens(req) < min) return false; // cheap check before hashing the prompt
    const scan = scanPrefix(req);
    if (scan.totalTokens < min) return false;
    const stats = new Map<string, PrefixStats>();
    for (const b of scan.boundaries) if (b.tokens >= min) stats.set(b.hash, this.tracker.observe(b.hash));
    const placed = planBreakpoints({ req, scan, stats, minTokens: min, warmup: this.cfg.warmup });
    meta.minTokens = min;
    if (scan.clientMarkers.length) meta.clientMarkers = scan.clientMarkers.length;
    if (placed.length === 0) return false;
    ctx.request = applyBreakpoints(req, placed);
    meta.placed = placed;
    return true;
  }

  private keyOpenAI(ctx: RequestContext, target: Target, meta: PromptCacheMeta): boolean {
    const req = ctx.request;
    meta.target = 'openai';
    if (req.promptCacheKey !== undefined) return false;
    const min = promptCacheMinTokens(this.deps.catalog, target.model, 'openai', target.provider.name);
    if (estimateTokens(req) < min) return false;
    const h = createHash('sha256')
      .update(ctx.attribution.feature ?? '')
      .update('\u0000');
    for (const t of req.tools ?? []) h.update(JSON.stringify({ ...t, cacheControl: undefined }));
    h.update('\u0000');
    for (const p of req.system) h.update(p.text);
    const key = `penny-${h.digest('hex').slice(0, 32)}`;
    ctx.request = { ...req, promptCacheKey: key };
    meta.promptCacheKey = key;
    return true;
  }

  private detectBreaker(ctx: RequestContext, target: Target | null, meta: PromptCacheMeta): void {
    const system = ctx.request.system.map((p) => p.text).join('\n');
    const feature = ctx.attribution.feature ?? '';
    const found = this.breakers.observe(feature, system);
    if (!found) return;
    const model = target?.model ?? ctx.request.model;
    const dialect = target ? PROVIDER_TYPES[target.provider.type].dialect : 'openai';
    const min = promptCacheMinTokens(this.deps.catalog, model, dialect, target?.provider.name);
    const lostTokens = Math.ceil(found.charsAfter / 4);
    const atToken = Math.floor(found.offset / 4);
    let lost: Money | null = 0n;
    // A prefix shorter than the minimum would not have been cached anyway.
    if (atToken + lostTokens >= min)
      lost = lostReadCost(lostTokens, this.deps.catalog.lookup(model, target?.provider.name));
    meta.breaker = {
      kind: found.kind,
      atToken,
      lostTokens,
      lostCost: lost === null ? null : moneyToDecimal(lost),
      before: found.before,
    };
    const warnKey = `${feature}\u0000${found.kind}`;
    const t = this.now();
    if ((this.warned.get(warnKey) ?? -Infinity) + WARN_EVERY_MS <= t) {
      if (this.warned.size > 1000) this.warned.clear();
      this.warned.set(warnKey, t);
      this.deps.logger.warn(
        'prompt cache breaker: dynamic content early in the system prompt defeats caching',
        {
          feature: ctx.attribution.feature,
          kind: found.kind,
          atToken,
          lostTokens,
          lostCostPerRequest: meta.breaker.lostCost,
          before: found.before,
        },
      );
    }
  }

  /** Books `cache.prompt` and, when no stage has set one, a baseline that keeps baseline − cost exact. */
  private book(ctx: RequestContext, outcome: Outcome, target: Target): void {
    const usage = outcome.usage!;
    const price = this.deps.catalog.lookup(
      outcome.servedModel ?? target.model,
      outcome.provider ?? undefined,
    );
    const saved = promptCacheSavings(usage, price);
    if (saved === null || saved === 0n) return;
    ctx.savings['cache.prompt'] = (ctx.savings['cache.prompt'] ?? 0n) + saved;
    if (ctx.baselineCost === undefined) {
      const cost = outcome.costOverride !== undefined ? outcome.costOverride : computeCost(usage, price).cost;
      ctx.baselineCost = cost === null ? null : cost + saved;
    }
  }
}

/** Characters / 4 over the prompt text: enough to compare with a caching minimum. */
function estimateTokens(req: CanonicalRequest): number {
  let chars = 0;
  for (const p of req.system) chars += p.text.length;
  for (const t of req.tools ?? [])
    chars += JSON.stringify(t.parameters).length + t.name.length + (t.description?.length ?? 0);
  for (const m of req.messages)
    for (const p of m.content) {
      if (p.type === 'text') chars += p.text.length;
      else if (p.type === 'tool_result') chars += typeof p.content === 'string' ? p.content.length : 200;
      else if (p.type === 'tool_call') chars += p.arguments.length;
      else chars += 400;
    }
  return Math.ceil(chars / 4);
}
