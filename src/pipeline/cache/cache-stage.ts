/**
 * The response-cache stage: exact hits, in-flight de-duplication and semantic hits, in that order, for
 * features whose policy enables caching (others pass straight through at the cost of one map lookup).
 * A hit makes no model call and reports the stored usage at the requested model as its alternative; a
 * de-duplicated follower (follow-flight.ts) reports the leader's spend; the semantic lookup
 * (semantic-probe.ts) reports its embedding as a side cost — settle turns these into money. Store faults
 * never fail a request: they are misses, counted and logged (see store/guarded-store.ts).
 * With the Redis store, instances share in-flight calls (fleet/remote-flight.ts) and semantic entries
 * (fleet/semantic-replica.ts); Redis being down makes each instance behave as if it were alone.
 * The non-obvious part: the answer is stored after the response has been handed to the client, and the
 * write is not awaited — with memory and SQLite it lands synchronously, with Redis a moment later.
 */
import { asPennyError } from '../../core/errors.js';
import { choiceText } from '../../core/response.js';
import { emptyUsage } from '../../core/usage.js';
import type { FeatureConfig } from '../../config/schema.js';
import type { LoadedConfig } from '../../config/load.js';
import type { Logger } from '../../observability/logger.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import type { Outcome, RequestContext } from '../context.js';
import { errorOutcome } from '../execute/outcomes.js';
import { spendOf } from '../settle/price-call.js';
import type { Next, Stage } from '../stage.js';
import { CACHE, type CacheMeta } from './cache-meta.js';
import { exactKey, paramsHash } from './cache-key.js';
import type { CacheGlobalConfig, CacheStoreKind } from './config.js';
import { namespaceOf, readControls } from './controls.js';
import { type CachedAnswer, decodeAnswer, encodeAnswer } from './entry-codec.js';
import { followFlight } from './follow-flight.js';
import { FlightBoard } from './fleet/flight-board.js';
import { RedisFlightBoard } from './fleet/redis-flight-board.js';
import { RedisSemanticLog } from './fleet/redis-semantic-log.js';
import { type RemoteRole, leadOrFollow, releaseLease } from './fleet/remote-flight.js';
import { relayFlight } from './fleet/remote-stream.js';
import type { SemanticLog } from './fleet/semantic-log.js';
import { InflightRegistry } from './inflight.js';
import { openStore } from './open-store.js';
import { type CachePolicy, outcomeNotStorable, requestNotCacheable, resolvePolicy } from './policy.js';
import { type SemanticProbe, probeSemantic } from './semantic-probe.js';
import { type SemanticSetup, type SemanticSharing, buildSemantic } from './semantic-wiring.js';
import { serveAnswer } from './serve-answer.js';
import { countCache, noteReplicationSync } from './stats.js';
import type { CacheStore } from './store/cache-store.js';
import { GuardedStore } from './store/guarded-store.js';
import { RedisStore } from './store/redis-store.js';

export { CACHE, type CacheMeta, type CacheStatus } from './cache-meta.js';

/** The fleet role of a request with no other instance to share its call with (never changed). */
const ALONE: RemoteRole = Object.freeze({ role: 'alone' });

export interface CacheStageDeps {
  loaded: LoadedConfig;
  catalog: PriceCatalog;
  logger: Logger;
  /** Opens the raw store of a kind (tests inject faulty ones); default: from the config. */
  openStore?: (kind: CacheStoreKind) => CacheStore;
  /** Semantic engine to use instead of building one from the config (tests). */
  semantic?: SemanticSetup;
  /** Shared state of a fleet instead of the Redis one (tests: two stages sharing memory backends). */
  fleet?: { flights?: FlightBoard; semanticLog?: (embedderKey: string) => SemanticLog };
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
  /** The cross-instance flight board (Redis store only); null once known to be absent. */
  private board: FlightBoard | null | undefined;

  constructor(private readonly deps: CacheStageDeps) {
    this.global = deps.loaded.config.cache;
    this.semanticSetup = deps.semantic;
    this.noFeature = resolvePolicy(undefined, this.global);
    // Open the stores in use now, so a Redis connection is ready before the first request.
    for (const f of Object.values(deps.loaded.config.features))
      if (f.cache?.enabled) this.storeFor(f.cache.store ?? this.global.store);
    // A shared semantic index starts loading the other instances' entries now, not at the first request.
    for (const f of Object.values(deps.loaded.config.features)) {
      if (!f.cache?.enabled || !f.cache.semantic.enabled) continue;
      const store = this.storeFor(f.cache.store ?? this.global.store);
      if (this.sharing(store)) this.semantic(store);
      break;
    }
  }

  /** True when some feature (or the default) turns the response cache on. */
  static configured(loaded: LoadedConfig): boolean {
    return Object.values(loaded.config.features).some((f) => f.cache?.enabled === true);
  }

  // Not async: a request the cache does not apply to hands `next()`'s promise on without one of its own.
  run(ctx: RequestContext, next: Next): Promise<Outcome> {
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
    await this.semanticSetup?.replica?.close().catch(() => {});
    await this.board?.close().catch(() => {});
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
      // A key the store knows it lacks (SQLite and memory keep their keys in memory) is a miss without a
      // store call: no promise, no await.
      const hit = store.mayHave(key) ? await this.read(store, key) : null;
      if (hit) return this.serveHit(ctx, meta, hit, 'exact');
      if (policy.dedupe) {
        const flight = this.inflight.find(key);
        if (flight) return followFlight(ctx, meta, flight);
      }
    }

    // Semantic lookup (never on refresh): may answer, or (shadow) record what it would have answered.
    let probe: SemanticProbe | undefined;
    let shadowAnswer: CachedAnswer | undefined;
    if (policy.semantic.enabled && !refresh) {
      const r = await probeSemantic({
        ctx,
        meta,
        policy: policy.semantic,
        partition: `${namespaceOf(ctx, controls)}|${paramsHash(ctx.request)}`,
        semantic: this.semantic(store),
        read: (k) => this.read(store, k),
        logger: this.deps.logger,
      });
      if (r.kind === 'hit') {
        meta.score = r.score;
        return this.serveHit(ctx, meta, r.answer, 'semantic');
      }
      probe = r.probe;
      shadowAnswer = r.shadowAnswer;
    }

    if (refresh) meta.status = 'refresh';
    ctx.headers['x-penny-cache'] = meta.status;
    if (meta.status !== 'shadow-hit') countCache('miss');
    const flight = policy.dedupe && !refresh ? this.inflight.lead(key, ctx) : undefined;
    const board = flight ? this.boardFor(store) : undefined;
    let remote: RemoteRole = ALONE;
    let outcome: Outcome;
    try {
      if (board)
        remote = await leadOrFollow(ctx, meta, board, key, this.global.fleet.maxWaitMs, this.deps.logger);
      // Followers on other instances that stream get this flight's stream as it is written.
      if (remote.role === 'leader' && flight) relayFlight(remote.lease, flight);
      outcome = remote.role === 'followed' ? remote.outcome : await next();
    } catch (e) {
      if (remote.role === 'leader') void this.track(remote.lease.release(null).catch(() => {}));
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
    // The leader's spend is handed to its followers (here and, as leader of the fleet, on other instances);
    // a flight nobody joined — every plain miss — prices nothing here (settle prices the call).
    const cost =
      remote.role === 'followed'
        ? remote.cost
        : flight && (flight.followers > 0 || remote.role === 'leader')
          ? spendOf(ctx, outcome, this.deps.catalog)
          : null;
    if (flight) {
      if (flight.followers) meta.followers = flight.followers;
      this.inflight.finish(key, flight, { outcome, cost });
    }
    // Another instance's answer: that instance stored it.
    if (remote.role === 'followed') return outcome;
    if (shadowAnswer && meta.shadow && outcome.status === 'ok' && outcome.response) {
      meta.shadow.agree = sameAnswer(shadowAnswer, outcome);
    }
    const stored = this.storeAnswer(ctx, meta, store, key, ttlSeconds, outcome, probe);
    // The lease is freed once the answer is in the store, so a request arriving after it finds the entry.
    if (remote.role === 'leader') {
      const lease = remote.lease;
      this.track(stored.then(() => releaseLease(lease, key, outcome, cost, this.deps.logger)));
    }
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

  private storeAnswer(
    ctx: RequestContext,
    meta: CacheMeta,
    store: GuardedStore,
    key: string,
    ttlSeconds: number,
    outcome: Outcome,
    probe: SemanticProbe | undefined,
  ): Promise<unknown> {
    const why = outcomeNotStorable(outcome, ctx.flags);
    if (why) {
      this.notStored(meta, why);
      return Promise.resolve();
    }
    const now = Date.now();
    const response =
      outcome.response!.usage === outcome.usage
        ? outcome.response!
        : { ...outcome.response!, usage: outcome.usage };
    const answer: CachedAnswer = {
      key,
      storedAt: now,
      expiresAt: now + ttlSeconds * 1000,
      provider: outcome.provider,
      servedModel: outcome.servedModel,
      simulated: outcome.simulated,
      // The answer with the usage the call consumed (the same object unless a stage replaced the usage).
      response,
    };
    // The upstream's own text when it is still exactly this answer: stored as it is, not serialised again.
    const source = outcome.upstreamText;
    const text = encodeAnswer(
      answer,
      source !== undefined && source.response === response ? source : undefined,
    );
    if (text.length > this.global.maxEntryBytes) {
      this.notStored(meta, 'too_large');
      return Promise.resolve();
    }
    meta.stored = true;
    meta.ttlSeconds = ttlSeconds;
    // Counted as stored by the guarded store once written; one promise per batch of an in-process store.
    const written = this.track(store.set(key, text, ttlSeconds * 1000));
    if (probe) {
      this.track(
        this.semantic()
          .cache.store({
            scope: probe.scope,
            text: probe.text,
            id: key,
            ...(probe.vector ? { vector: probe.vector } : {}),
          })
          .catch((e: unknown) => {
            countCache('embedError');
            this.deps.logger.warn('semantic cache store failed', { error: e });
          }),
      );
    }
    return written;
  }

  private notStored(meta: CacheMeta, why: string): void {
    countCache('notStored');
    meta.stored = false;
    meta.notStored = why;
  }

  /** The semantic engine, built on first use; shared with the fleet when `store` is Redis. */
  private semantic(store?: GuardedStore): SemanticSetup {
    this.semanticSetup ??= buildSemantic(
      this.global.semantic,
      this.deps.catalog,
      process.env,
      store ? this.sharing(store) : undefined,
    );
    return this.semanticSetup;
  }

  /** How semantic entries are shared with other instances, if they are (Redis store, `fleet.semantic`). */
  private sharing(store: GuardedStore): SemanticSharing | undefined {
    const fleet = this.global.fleet;
    const injected = this.deps.fleet?.semanticLog;
    const redis = store.store instanceof RedisStore ? store.store : undefined;
    if (!fleet.semantic || (!injected && !redis)) return undefined;
    let lastWarn = 0;
    return {
      open: (embedderKey) =>
        injected
          ? injected(embedderKey)
          : new RedisSemanticLog(
              redis!.client,
              `${this.global.redisKeyPrefix}semantic:${embedderKey}`,
              this.global.semantic.maxEntries,
            ),
      syncMs: fleet.syncMs,
      bulkLoad: fleet.bulkLoad,
      onSynced: (n) => countCache('semanticSynced', n),
      onPass: (lagMs) => noteReplicationSync(Date.now(), lagMs),
      onError: (e, op) => {
        countCache('fleetError');
        countCache('replicationError');
        if (Date.now() - lastWarn < 10_000) return;
        lastWarn = Date.now();
        this.deps.logger.warn('shared semantic cache log unreachable; this instance serves what it has', {
          op,
          error: e,
        });
      },
    };
  }

  /** The flight board shared with other instances: the Redis store's, or an injected one. */
  private boardFor(store: GuardedStore): FlightBoard | undefined {
    if (!this.global.fleet.dedupe) return undefined;
    if (this.deps.fleet?.flights) return this.deps.fleet.flights;
    if (!(store.store instanceof RedisStore)) return undefined;
    if (this.board === undefined) {
      this.board = new FlightBoard(
        new RedisFlightBoard(store.store.client, `${this.global.redisKeyPrefix}flight:`),
        { leaseMs: this.global.fleet.leaseMs },
      );
    }
    return this.board ?? undefined;
  }

  private openStore(kind: CacheStoreKind): CacheStore {
    if (this.deps.openStore) return this.deps.openStore(kind);
    return openStore(kind, this.global, {
      ledgerPath: this.deps.loaded.ledgerPath,
      logger: this.deps.logger,
    });
  }

  private track<T>(p: Promise<T>): Promise<T> {
    if (this.pending.has(p)) return p; // a store batch's promise, shared by its rows
    this.pending.add(p);
    const done = () => this.pending.delete(p);
    p.then(done, done);
    return p;
  }
}

function sameAnswer(a: CachedAnswer, o: Outcome): boolean {
  const x = a.response.choices.map(choiceText).join('\n').trim();
  const y = (o.response?.choices ?? []).map(choiceText).join('\n').trim();
  return x === y;
}
