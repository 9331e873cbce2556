/**
 * The response-cache stage: exact hits, in-flight de-duplication and semantic hits, in that order, for
 * features whose policy enables caching (others pass straight through at the cost of one map lookup).
 * A hit costs $0 (plus the embedding of a semantic lookup) and its baseline is the stored usage at the
 * requested model's price; a de-duplicated follower costs $0 with the leader's cost as baseline. Store
 * faults never fail a request: they are misses, counted and logged (see store/guarded-store.ts).
 * The non-obvious part: the answer is stored after the response has been handed to the client, and the
 * write is not awaited — with memory and SQLite it lands synchronously, with Redis a moment later.
 */
import { join, dirname } from 'node:path';
import { PennyError, asPennyError } from '../../core/errors.js';
import { type Money, moneyToDecimal } from '../../core/money.js';
import { choiceText } from '../../core/response.js';
import { emptyUsage } from '../../core/usage.js';
import type { FeatureConfig } from '../../config/schema.js';
import type { LoadedConfig } from '../../config/load.js';
import type { Logger } from '../../observability/logger.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import { CODECS } from '../../providers/codecs.js';
import { type Outcome, type RequestContext, elapsedMs } from '../context.js';
import { errorOutcome } from '../execute/single.js';
import { spendOf } from '../settle/price-call.js';
import { defineSlot } from '../slots.js';
import type { Next, Stage } from '../stage.js';
import { exactKey, paramsHash } from './cache-key.js';
import type { CacheGlobalConfig, CacheStoreKind } from './config.js';
import { namespaceOf, readControls } from './controls.js';
import { type CachedAnswer, decodeAnswer, encodeAnswer } from './entry-codec.js';
import { type Flight, type FlightResult, InflightRegistry } from './inflight.js';
import { type CachePolicy, outcomeNotStorable, requestNotCacheable, resolvePolicy } from './policy.js';
import { type SemanticScope, lastUserText, scopeFromRequest } from './semantic/scope.js';
import { type SemanticSetup, buildSemantic } from './semantic-wiring.js';
import { serveAnswer } from './serve-answer.js';
import { countCache } from './stats.js';
import type { CacheStore } from './store/cache-store.js';
import { GuardedStore } from './store/guarded-store.js';
import { MemoryStore } from './store/memory-store.js';
import { RedisStore } from './store/redis-store.js';
import { SqliteStore } from './store/sqlite-store.js';

export type CacheStatus = 'hit' | 'miss' | 'bypass' | 'refresh' | 'dedupe' | 'shadow-hit';

/** What the stage did, in the CACHE slot (ledger `meta.cache`). */
export interface CacheMeta {
  status: CacheStatus;
  kind?: 'exact' | 'semantic';
  reason?: string;
  /** First 16 hex digits of the exact key. */
  key?: string;
  store?: CacheStoreKind;
  ageMs?: number;
  score?: number;
  followers?: number;
  stored?: boolean;
  notStored?: string;
  ttlSeconds?: number;
  /** USD, decimal text. */
  embeddingCost?: string;
  embeddingTokens?: number;
  shadow?: { score: number; key: string; agree?: boolean };
  semantic?: { bestScore?: number; rejectedBy?: string; skipped?: string };
}

export const CACHE = defineSlot<CacheMeta>('cache');

export interface CacheStageDeps {
  loaded: LoadedConfig;
  catalog: PriceCatalog;
  logger: Logger;
  /** Opens the raw store of a kind (tests inject faulty ones); default: from the config. */
  openStore?: (kind: CacheStoreKind) => CacheStore;
  /** Semantic engine to use instead of building one from the config (tests). */
  semantic?: SemanticSetup;
}

interface SemanticProbe {
  scope: SemanticScope;
  text: string;
}

export class CacheStage implements Stage {
  readonly name = 'cache';
  private readonly global: CacheGlobalConfig;
  private readonly policies = new WeakMap<FeatureConfig, CachePolicy | null>();
  private readonly noFeature: CachePolicy | null;
  private readonly stores = new Map<CacheStoreKind, GuardedStore>();
  private readonly inflight = new InflightRegistry();
  private semanticSetup: SemanticSetup | undefined;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly deps: CacheStageDeps) {
    this.global = deps.loaded.config.cache;
    this.semanticSetup = deps.semantic;
    this.noFeature = resolvePolicy(undefined, this.global);
    // Open the stores in use now, so a Redis connection is ready before the first request.
    for (const f of Object.values(deps.loaded.config.features))
      if (f.cache?.enabled) this.storeFor(f.cache.store ?? this.global.store);
  }

  /** True when some feature (or the default) turns the response cache on. */
  static configured(loaded: LoadedConfig): boolean {
    return Object.values(loaded.config.features).some((f) => f.cache?.enabled === true);
  }

  async run(ctx: RequestContext, next: Next): Promise<Outcome> {
    const policy = this.policyFor(ctx.policy);
    if (!policy) return next();
    return this.cached(ctx, next, policy);
  }

  /** Resolves once every store write started so far has finished. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    await this.idle();
    for (const s of this.stores.values()) await s.store.close().catch(() => {});
    this.stores.clear();
  }

  /** The guarded store of a kind, opened on first use. */
  storeFor(kind: CacheStoreKind): GuardedStore {
    let s = this.stores.get(kind);
    if (!s) {
      s = new GuardedStore(this.openStore(kind), {
        timeoutMs: this.global.timeoutMs,
        logger: this.deps.logger,
      });
      this.stores.set(kind, s);
    }
    return s;
  }

  /** The cache policy of a feature policy (resolved once per feature section). */
  private policyFor(feature: FeatureConfig | undefined): CachePolicy | null {
    if (!feature) return this.noFeature;
    let p = this.policies.get(feature);
    if (p === undefined) {
      p = resolvePolicy(feature.cache, this.global);
      this.policies.set(feature, p);
    }
    return p;
  }

  private async cached(ctx: RequestContext, next: Next, policy: CachePolicy): Promise<Outcome> {
    const controls = readControls(ctx.requestHeaders, this.global.maxTtlSeconds);
    if (controls.mode === 'bypass') return this.bypass(ctx, next, 'header');
    const notCacheable = requestNotCacheable(ctx.request, policy);
    if (notCacheable) return this.bypass(ctx, next, notCacheable);

    const key = exactKey(ctx.request, namespaceOf(ctx, controls));
    const store = this.storeFor(policy.store);
    const ttlSeconds = controls.ttlSeconds ?? policy.ttlSeconds;
    const meta = ctx.slots.set(CACHE, { status: 'miss', key: key.slice(0, 16), store: store.kind });
    const refresh = controls.mode === 'refresh';

    if (!refresh) {
      const hit = await this.read(store, key);
      if (hit) return this.serveHit(ctx, meta, hit, 'exact');
      if (policy.dedupe) {
        const flight = this.inflight.find(key);
        if (flight) return this.follow(ctx, meta, flight);
      }
    }

    // Semantic lookup (never on refresh): may answer, or (shadow) record what it would have answered.
    let probe: SemanticProbe | undefined;
    let embedCost = 0n;
    let shadowAnswer: CachedAnswer | undefined;
    if (policy.semantic.enabled && !refresh) {
      const text = lastUserText(ctx.request);
      if (text !== null) {
        const semantic = this.semantic();
        probe = {
          text,
          scope: scopeFromRequest(ctx.request, `${namespaceOf(ctx, controls)}|${paramsHash(ctx.request)}`),
        };
        try {
          const r = await semantic.cache.lookup({
            scope: probe.scope,
            text,
            shadow: policy.semantic.shadow,
            ...(policy.semantic.threshold !== undefined ? { threshold: policy.semantic.threshold } : {}),
          });
          embedCost = this.embeddingCost(meta, ctx, r.embedUsage?.promptTokens ?? 0);
          if (embedCost > 0n) ctx.money.sideCosts.push({ tactic: 'cache.semantic', cost: embedCost });
          meta.semantic = {
            ...(r.bestScore !== undefined ? { bestScore: round(r.bestScore) } : {}),
            ...(r.rejectedBy ? { rejectedBy: r.rejectedBy } : {}),
            ...(r.skipped ? { skipped: r.skipped } : {}),
          };
          if (r.hit) {
            const answer = await this.read(store, r.hit.id);
            if (answer) {
              meta.score = round(r.hit.score);
              return this.serveHit(ctx, meta, answer, 'semantic');
            }
            semantic.cache.remove(r.hit.id);
          } else if (r.wouldHit) {
            const answer = await this.read(store, r.wouldHit.id);
            if (answer) {
              shadowAnswer = answer;
              meta.status = 'shadow-hit';
              meta.shadow = { score: round(r.wouldHit.score), key: r.wouldHit.id.slice(0, 16) };
              countCache('shadowHit');
            }
          }
        } catch (e) {
          countCache('embedError');
          this.deps.logger.warn('semantic cache lookup failed; served uncached', { error: e });
          probe = undefined;
        }
      }
    }

    if (refresh) meta.status = 'refresh';
    ctx.headers['x-penny-cache'] = meta.status;
    if (meta.status !== 'shadow-hit') countCache('miss');
    const flight = policy.dedupe && !refresh ? this.inflight.lead(key, ctx) : undefined;
    let outcome: Outcome;
    try {
      outcome = await next();
    } catch (e) {
      if (flight) {
        const err = errorOutcome(ctx, asPennyError(e), {
          provider: null,
          servedModel: null,
          simulated: false,
        });
        this.inflight.finish(key, flight, { outcome: err, cost: 0n });
      }
      throw e;
    }
    if (flight) {
      if (flight.followers) meta.followers = flight.followers;
      this.inflight.finish(key, flight, { outcome, cost: spendOf(ctx, outcome, this.deps.catalog) });
    }
    if (shadowAnswer && meta.shadow && outcome.status === 'ok' && outcome.response) {
      meta.shadow.agree = sameAnswer(shadowAnswer, outcome);
    }
    this.storeAnswer(ctx, meta, store, key, ttlSeconds, outcome, probe);
    return outcome;
  }

  private bypass(ctx: RequestContext, next: Next, reason: string): Promise<Outcome> {
    countCache('bypass');
    ctx.headers['x-penny-cache'] = 'bypass';
    ctx.slots.set(CACHE, { status: 'bypass', reason });
    return next();
  }

  private async read(store: GuardedStore, key: string): Promise<CachedAnswer | null> {
    const text = await store.get(key);
    if (text === null) return null;
    const d = decodeAnswer(text, key, Date.now());
    if (d.ok) return d.answer;
    if (d.reason !== 'expired')
      store.fault(
        'corrupt',
        'cache entry failed validation; it was deleted and the request served uncached',
        {
          reason: d.reason,
          key: key.slice(0, 16),
        },
      );
    void this.track(store.delete(key));
    return null;
  }

  private serveHit(
    ctx: RequestContext,
    meta: CacheMeta,
    answer: CachedAnswer,
    kind: 'exact' | 'semantic',
  ): Outcome {
    countCache(kind === 'exact' ? 'hit' : 'semanticHit');
    meta.status = 'hit';
    meta.kind = kind;
    meta.ageMs = Math.max(0, Date.now() - answer.storedAt);
    ctx.headers['x-penny-cache'] = 'hit';
    ctx.headers['x-penny-cache-kind'] = kind;
    ctx.headers['x-penny-cache-age'] = String(Math.floor(meta.ageMs / 1000));
    // The alternative: the stored answer's usage at the model the client asked for.
    ctx.money.unbilled = true;
    ctx.money.replaced = {
      kind: 'stored',
      tactic: `cache.${kind}`,
      usage: answer.response.usage ?? emptyUsage(),
      model: ctx.original.model,
      provider: answer.provider ?? undefined,
    };
    return serveAnswer(ctx, answer.response, answer);
  }

  private async follow(ctx: RequestContext, meta: CacheMeta, flight: Flight): Promise<Outcome> {
    countCache('dedupeFollower');
    ctx.money.unbilled = true; // a follower makes no call of its own
    flight.followers++;
    flight.attach(ctx.signal);
    meta.status = 'dedupe';
    ctx.headers['x-penny-cache'] = 'dedupe';
    if (flight.canTee(ctx)) {
      let started = false;
      let ended = false;
      let ttftMs: number | null = null;
      const unsubscribe = flight.subscribe((op) => {
        if (ctx.sink.closed) return;
        if (op.type === 'start') {
          ctx.sink.startStream(op.status, { ...op.headers, ...ctx.headers });
          started = true;
        } else if (started && op.type === 'write') {
          ttftMs ??= elapsedMs(ctx.t0);
          ctx.sink.write(op.chunk);
        } else if (started && op.type === 'end') {
          ended = true;
          ctx.sink.end();
        }
      });
      const r = await flight.done;
      unsubscribe();
      if (started) {
        if (!ended && !ctx.sink.closed) {
          const err =
            r.outcome.error ??
            new PennyError(
              'upstream_stream_broken',
              'the shared upstream stream ended before the answer was complete',
            );
          ctx.sink.write(CODECS[ctx.clientDialect].encodeStreamError(err));
          ctx.sink.end();
        }
        const o = r.outcome;
        const complete = ended && o.status === 'ok';
        return this.followerLedger(ctx, r, {
          provider: o.provider,
          servedModel: o.servedModel,
          simulated: o.simulated,
          status: complete ? 'ok' : o.status === 'aborted' ? 'error' : o.status,
          httpStatus: complete ? o.httpStatus : o.httpStatus === 499 ? 502 : o.httpStatus,
          usage: emptyUsage(),
          response: o.response,
          error: complete
            ? null
            : (o.error ?? new PennyError('upstream_stream_broken', 'shared stream broke')),
          ttftMs,
          written: true,
        });
      }
      // The leader failed before it started streaming: answer below like any other follower.
    }
    const r = await flight.done;
    const o = r.outcome;
    const src = { provider: o.provider, servedModel: o.servedModel, simulated: o.simulated };
    if (o.status === 'ok' && o.response) {
      if (
        !ctx.request.stream &&
        !flight.stream &&
        ctx.clientDialect === flight.dialect &&
        o.body !== undefined
      ) {
        if (src.provider) ctx.headers['x-penny-provider'] = src.provider;
        return this.followerLedger(ctx, r, { ...o, usage: emptyUsage(), ttftMs: null, written: false });
      }
      return this.followerLedger(ctx, r, serveAnswer(ctx, o.response, src));
    }
    const err = o.error ?? new PennyError('upstream_error', 'the shared upstream call failed');
    return errorOutcome(ctx, err, src);
  }

  /** A follower's outcome: $0, with the leader's spend as the alternative (`cache.dedupe` savings). */
  private followerLedger(ctx: RequestContext, r: FlightResult, o: Outcome): Outcome {
    if (o.status === 'ok') ctx.money.replaced = { kind: 'shared', tactic: 'cache.dedupe', cost: r.cost };
    return o;
  }

  private storeAnswer(
    ctx: RequestContext,
    meta: CacheMeta,
    store: GuardedStore,
    key: string,
    ttlSeconds: number,
    outcome: Outcome,
    probe: SemanticProbe | undefined,
  ): void {
    const why = outcomeNotStorable(outcome, ctx.flags);
    if (why) {
      this.notStored(meta, why);
      return;
    }
    const now = Date.now();
    const answer: CachedAnswer = {
      key,
      storedAt: now,
      expiresAt: now + ttlSeconds * 1000,
      provider: outcome.provider,
      servedModel: outcome.servedModel,
      simulated: outcome.simulated,
      response: { ...outcome.response!, usage: outcome.usage },
    };
    const text = encodeAnswer(answer);
    if (text.length > this.global.maxEntryBytes) {
      this.notStored(meta, 'too_large');
      return;
    }
    meta.stored = true;
    meta.ttlSeconds = ttlSeconds;
    this.track(
      store.set(key, text, ttlSeconds * 1000).then((ok) => {
        if (ok) countCache('stored');
      }),
    );
    if (probe) {
      this.track(
        this.semantic()
          .cache.store({ scope: probe.scope, text: probe.text, id: key })
          .catch((e: unknown) => {
            countCache('embedError');
            this.deps.logger.warn('semantic cache store failed', { error: e });
          }),
      );
    }
  }

  private notStored(meta: CacheMeta, why: string): void {
    countCache('notStored');
    meta.stored = false;
    meta.notStored = why;
  }

  /** The cost of the embedding tokens of a lookup; booked in meta (0 for the local embedder). */
  private embeddingCost(meta: CacheMeta, ctx: RequestContext, tokens: number): Money {
    if (tokens <= 0) return 0n;
    meta.embeddingTokens = tokens;
    const price = this.semantic().pricePerToken;
    if (price === null) {
      if (!ctx.flags.includes('embedding_unpriced')) ctx.flags.push('embedding_unpriced');
      return 0n;
    }
    const cost = BigInt(tokens) * price;
    meta.embeddingCost = moneyToDecimal(cost);
    return cost;
  }

  private semantic(): SemanticSetup {
    this.semanticSetup ??= buildSemantic(this.global.semantic, this.deps.catalog);
    return this.semanticSetup;
  }

  private openStore(kind: CacheStoreKind): CacheStore {
    if (this.deps.openStore) return this.deps.openStore(kind);
    const g = this.global;
    if (kind === 'memory') return new MemoryStore({ maxEntries: g.maxEntries });
    if (kind === 'redis') {
      let lastWarn = 0;
      return new RedisStore({
        url: g.redisUrl,
        keyPrefix: g.redisKeyPrefix,
        commandTimeoutMs: Math.max(g.timeoutMs * 4, 200),
        onError: (e) => {
          countCache('connectionError');
          if (Date.now() - lastWarn < 10_000) return;
          lastWarn = Date.now();
          this.deps.logger.warn('redis cache store unreachable; requests are served uncached', { error: e });
        },
      });
    }
    const path = g.sqlitePath ?? join(dirname(this.deps.loaded.ledgerPath), 'cache.db');
    try {
      return new SqliteStore(path, { maxEntries: g.maxEntries });
    } catch (e) {
      this.deps.logger.warn('cache SQLite file could not be opened; using an in-memory cache', {
        path,
        error: e,
      });
      return new MemoryStore({ maxEntries: g.maxEntries });
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    const done = () => this.pending.delete(p);
    p.then(done, done);
    return p;
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function sameAnswer(a: CachedAnswer, o: Outcome): boolean {
  const x = a.response.choices.map(choiceText).join('\n').trim();
  const y = (o.response?.choices ?? []).map(choiceText).join('\n').trim();
  return x === y;
}
