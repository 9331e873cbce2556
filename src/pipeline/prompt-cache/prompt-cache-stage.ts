/**
 * The provider prompt-caching stage. Markers suit one provider only, so the stage does not change the
 * request itself: it registers a per-target adapter that the execute step runs on every attempt once that
 * attempt's target is resolved (first try, fallback to another provider, cascade step). Anthropic targets
 * get `cache_control` breakpoints on reused prefixes (place-breakpoints.ts); OpenAI targets get a
 * `prompt_cache_key` per feature and stable prefix so requests land on warm caches; others get nothing.
 * It also watches each feature's system prompt for prefix breakers and reports them with what they cost.
 * Savings `cache.prompt` are booked by settle only for an answer whose attempt carried Penny's markers:
 * reads the caller would have had anyway (its own markers, OpenAI's automatic caching) are not Penny's.
 */
import { createHash } from 'node:crypto';
import type { LoadedConfig } from '../../config/load.js';
import { type Money, moneyToDecimal } from '../../core/money.js';
import type { CanonicalRequest } from '../../core/request.js';
import type { Logger } from '../../observability/logger.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import { providerModule } from '../../providers/modules.js';
import { PROVIDER_TYPES } from '../../providers/registry.js';
import { type Target, TargetResolver } from '../../providers/resolve-target.js';
import type { Outcome, RequestContext } from '../context.js';
import type { CacheGlobalConfig } from '../cache/config.js';
import type { AttemptFacts } from '../settle/facts.js';
import { defineSlot } from '../slots.js';
import type { Next, Stage } from '../stage.js';
import { promptCacheMinTokens } from './min-tokens.js';
import { type Placement, applyBreakpoints, planBreakpoints } from './place-breakpoints.js';
import { type BreakerKind, BreakerDetector } from './prefix-breakers.js';
import { type PrefixStats, ReuseTracker } from './reuse-tracker.js';
import { scanPrefix } from './prefix-boundaries.js';
import { lostReadCost } from './prompt-savings.js';

/** What the stage did, in ledger `meta.promptCache` (placement: of the latest attempt). */
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

export const PROMPT_CACHE = defineSlot<PromptCacheMeta>('promptCache');

export interface PromptCacheStageDeps {
  loaded: LoadedConfig;
  catalog: PriceCatalog;
  logger: Logger;
  resolver?: TargetResolver;
  now?: () => number;
}

/** Prefix sightings of one request: each prefix is counted once however many attempts it makes. */
type Sightings = Map<string, PrefixStats>;

const OPENAI_KEY_TYPES = new Set(['openai', 'azure-openai']);
const WARN_EVERY_MS = 10 * 60_000;

export class PromptCacheStage implements Stage {
  readonly name = 'prompt-cache';
  private readonly cfg: CacheGlobalConfig['prompt'];
  private readonly resolver: TargetResolver;
  private readonly tracker: ReuseTracker;
  private readonly breakers = new BreakerDetector();
  private readonly warned = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly deps: PromptCacheStageDeps) {
    this.cfg = deps.loaded.config.cache.prompt;
    this.resolver = deps.resolver ?? new TargetResolver(deps.loaded);
    this.now = deps.now ?? Date.now;
    this.tracker = new ReuseTracker(this.cfg.maxTrackedPrefixes, this.now);
  }

  /** True when prompt caching is on globally or for some feature. */
  static configured(loaded: LoadedConfig): boolean {
    if (loaded.config.cache.prompt.enabled) return true;
    return Object.values(loaded.config.features).some((f) => f.cache?.prompt.enabled === true);
  }

  /** Not async: it ends in `return next()` (an async frame would add a promise and two microtask turns). */
  run(ctx: RequestContext, next: Next): Promise<Outcome> {
    if (!(ctx.policy?.cache?.prompt.enabled ?? this.cfg.enabled)) return next();
    const breaker: PromptCacheMeta = {};
    if (this.cfg.breakers && ctx.request.system.length)
      this.detectBreaker(ctx, this.plannedTarget(ctx), breaker);
    if (breaker.breaker) ctx.slots.set(PROMPT_CACHE, breaker);
    const seen: Sightings = new Map();
    ctx.perTarget.push((request, target) => this.adapt(ctx, request, target, breaker, seen));
    return next();
  }

  /** One attempt's request for its target, and the slot updated with what was placed for it. */
  private adapt(
    ctx: RequestContext,
    request: CanonicalRequest,
    target: Target,
    breaker: PromptCacheMeta,
    seen: Sightings,
  ): { request: CanonicalRequest; facts: AttemptFacts } {
    const meta: PromptCacheMeta = breaker.breaker ? { breaker: breaker.breaker } : {};
    let out = request;
    let markers = false;
    const dialect = PROVIDER_TYPES[target.provider.type].dialect;
    // Penny places cache breakpoints only where the dialect carries them (Anthropic `cache_control`).
    if (providerModule(dialect).capabilities.promptCacheMarkers) {
      const placed = this.placeAnthropic(request, target, meta, seen);
      if (placed) {
        out = placed;
        markers = true;
      }
      // OpenAI caches without Penny; the key only raises the hit rate, so its reads are not booked as savings.
    } else if (OPENAI_KEY_TYPES.has(target.provider.type)) {
      out = this.keyOpenAI(ctx, request, target, meta) ?? request;
    }
    if (meta.placed || meta.promptCacheKey || meta.breaker) ctx.slots.set(PROMPT_CACHE, meta);
    else ctx.slots.delete(PROMPT_CACHE);
    return { request: out, facts: { promptCacheMarkers: markers } };
  }

  /** The target the request would go to as it stands (for the breaker report, before any attempt). */
  private plannedTarget(ctx: RequestContext): Target | null {
    if (!this.resolver.hasProviders) return null;
    try {
      return this.resolver.resolve(ctx.request.model);
    } catch {
      return null;
    }
  }

  private placeAnthropic(
    req: CanonicalRequest,
    target: Target,
    meta: PromptCacheMeta,
    seen: Sightings,
  ): CanonicalRequest | null {
    const min = promptCacheMinTokens(this.deps.catalog, target.model, 'anthropic', target.provider.name);
    meta.target = 'anthropic';
    if (estimateTokens(req) < min) return null; // cheap check before hashing the prompt
    const scan = scanPrefix(req);
    if (scan.totalTokens < min) return null;
    const stats = new Map<string, PrefixStats>();
    for (const b of scan.boundaries) {
      if (b.tokens < min) continue;
      let st = seen.get(b.hash);
      if (!st) {
        st = this.tracker.observe(b.hash);
        seen.set(b.hash, st);
      }
      stats.set(b.hash, st);
    }
    const placed = planBreakpoints({ req, scan, stats, minTokens: min, warmup: this.cfg.warmup });
    meta.minTokens = min;
    if (scan.clientMarkers.length) meta.clientMarkers = scan.clientMarkers.length;
    if (placed.length === 0) return null;
    meta.placed = placed;
    return applyBreakpoints(req, placed);
  }

  private keyOpenAI(
    ctx: RequestContext,
    req: CanonicalRequest,
    target: Target,
    meta: PromptCacheMeta,
  ): CanonicalRequest | null {
    meta.target = 'openai';
    if (req.promptCacheKey !== undefined) return null;
    const min = promptCacheMinTokens(this.deps.catalog, target.model, 'openai', target.provider.name);
    if (estimateTokens(req) < min) return null;
    const h = createHash('sha256')
      .update(ctx.attribution.feature ?? '')
      .update('\u0000');
    for (const t of req.tools ?? []) h.update(JSON.stringify({ ...t, cacheControl: undefined }));
    h.update('\u0000');
    for (const p of req.system) h.update(p.text);
    const key = `penny-${h.digest('hex').slice(0, 32)}`;
    meta.promptCacheKey = key;
    return { ...req, promptCacheKey: key };
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
