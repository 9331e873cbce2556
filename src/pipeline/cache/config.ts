/**
 * Caching: the per-feature policy (under `features.<name>.cache` in the config) and the global settings
 * (under `cache` at the top level). Validated at start-up; unknown fields are errors that name their path.
 * The response cache is opt-in per feature (`enabled: true`); provider prompt caching (`prompt`) is on by
 * default because it only ever marks prefixes that were actually seen again.
 */
import { z } from 'zod';

export const CACHE_STORE_KINDS = ['memory', 'sqlite', 'redis'] as const;
export type CacheStoreKind = (typeof CACHE_STORE_KINDS)[number];

const storeKind = z.enum(CACHE_STORE_KINDS);
const seconds = z.number().int().positive();

const semanticFeatureSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** Cosine similarity a match must reach (default: the engine's tuned default for the local embedder). */
  threshold: z.number().min(-1).max(1).optional(),
  /**
   * Record would-be hits (meta + `x-penny-cache: shadow-hit`) without serving them. On by default: score the
   * shadow hits of a feature's real traffic, then set `shadow: false` to serve them.
   */
  shadow: z.boolean().default(true),
});

const promptFeatureSchema = z.strictObject({
  enabled: z.boolean().optional(),
});

export const cacheFeatureSchema = z.strictObject({
  /** Serve identical requests from the response cache (and share in-flight calls). Off unless set. */
  enabled: z.boolean().default(false),
  /** Entry lifetime; default `cache.defaultTtlSeconds`. */
  ttlSeconds: seconds.optional(),
  /** Cache answers sampled with temperature > 0 (or no temperature, i.e. the provider's default of 1). */
  allowSampling: z.boolean().default(false),
  /** Share one upstream call between identical requests in flight (default `cache.dedupe`). */
  dedupe: z.boolean().optional(),
  semantic: semanticFeatureSchema.prefault({}),
  /** This feature's store, instead of `cache.store`. */
  store: storeKind.optional(),
  /** Provider prompt caching for this feature (default `cache.prompt.enabled`). */
  prompt: promptFeatureSchema.prefault({}),
});

const embedderSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('local'), dims: z.number().int().min(16).max(4096).default(384) }),
  z.strictObject({
    type: z.literal('openai'),
    /** e.g. https://api.openai.com (without /v1). */
    baseUrl: z.url({ protocol: /^https?$/ }),
    model: z.string().min(1),
    dims: z.number().int().positive(),
    apiKey: z.string().min(1).optional(),
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional(),
    /** Ask the model for `dims` dimensions (text-embedding-3-*). */
    requestDimensions: z.boolean().default(false),
    /** USD per 1M input tokens, when the price catalog does not know the model. */
    inputPerMillion: z
      .union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/, 'a decimal')])
      .optional(),
    timeoutMs: z.number().int().positive().default(2000),
  }),
]);

export const cacheGlobalSchema = z.strictObject({
  /** Where response-cache entries live. SQLite (a file beside the ledger) by default. */
  store: storeKind.default('sqlite'),
  /** SQLite file; default `cache.db` in the ledger's directory. */
  sqlitePath: z.string().min(1).optional(),
  redisUrl: z.string().min(1).default('redis://127.0.0.1:6379'),
  redisKeyPrefix: z.string().default('penny:cache:'),
  /** Time budget of one Redis store operation; slower is treated as a miss (and counted). In-process stores (memory, SQLite) have none. */
  timeoutMs: z.number().int().positive().default(50),
  /**
   * Bound of the memory and SQLite stores (least recently used / soonest to expire go first), per store: the
   * response cache and the embeddings cache each keep up to this many, also when they share one `cache.db`.
   */
  maxEntries: z.number().int().positive().default(10_000),
  /** Answers larger than this (serialised) are not stored. */
  maxEntryBytes: z.number().int().positive().default(1_000_000),
  defaultTtlSeconds: seconds.default(3600),
  /** Upper bound for `ttlSeconds` and the `x-penny-cache-ttl` header. */
  maxTtlSeconds: seconds.default(7 * 24 * 3600),
  /** Share in-flight upstream calls between identical requests (per gateway process). */
  dedupe: z.boolean().default(true),
  /**
   * Several instances sharing the Redis store: in-flight calls are shared across instances (a lease per key
   * in Redis) and semantic entries are replicated to every instance's index through a Redis stream.
   */
  fleet: z
    .strictObject({
      dedupe: z.boolean().default(true),
      /** Lease of the instance making the shared call; renewed while it runs, lapses when it dies. */
      leaseMs: z.number().int().min(100).default(5000),
      /** Longest a follower waits for another instance's answer before calling upstream itself. */
      maxWaitMs: z.number().int().positive().default(300_000),
      semantic: z.boolean().default(true),
      /** How often an instance reads the semantic entries the others stored. */
      syncMs: z.number().int().min(10).default(250),
      /**
       * Build the index of a newly started instance's replicated entries in one pass per scope (about a
       * third of the CPU of indexing them one by one) at the price of approximate lookups that may pick a
       * different near-tie candidate than the instances that built theirs entry by entry.
       */
      bulkLoad: z.boolean().default(false),
    })
    .prefault({}),
  semantic: z
    .strictObject({
      embedder: embedderSchema.prefault({ type: 'local' }),
      /** Most entries in the (per-process) vector index. */
      maxEntries: z.number().int().positive().default(100_000),
      /** Candidates checked by the guards per lookup. */
      topK: z.number().int().positive().max(50).default(5),
    })
    .prefault({}),
  prompt: z
    .strictObject({
      /** Place Anthropic cache_control breakpoints and OpenAI prompt_cache_key automatically. */
      enabled: z.boolean().default(true),
      /** Times a prefix must have been seen before Penny marks it (0 = mark on first sight). */
      warmup: z.number().int().min(0).max(10).default(1),
      /** Report dynamic content early in system prompts (timestamps, ids, names). */
      breakers: z.boolean().default(true),
      /** Prefixes remembered for reuse statistics (least recently seen are forgotten). */
      maxTrackedPrefixes: z.number().int().positive().default(20_000),
    })
    .prefault({}),
});

export type CacheFeatureConfig = z.output<typeof cacheFeatureSchema>;
export type CacheGlobalConfig = z.output<typeof cacheGlobalSchema>;
export type EmbedderConfig = z.output<typeof embedderSchema>;
