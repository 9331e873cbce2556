/**
 * The configuration schema (zod), validated once at start-up. Unknown fields are errors, so a typo such as
 * `providers.openai.baseUlr` is reported with its path instead of being silently ignored.
 * Provider types come from the registry, so the schema and the code cannot drift apart.
 */
import { circuitBreakerSchema } from '../resilience/config.js';
import { z } from 'zod';
import { batchFeatureSchema } from '../batch/micro/config.js';
import { batchJobsSchema, deferFeatureSchema } from '../batch/defer/config.js';
import { governanceConfigSchema } from '../governance/config.js';
import { cacheFeatureSchema, cacheGlobalSchema } from '../pipeline/cache/config.js';
import { cascadeFeatureSchema, cascadeGlobalSchema } from '../pipeline/cascade/config.js';
import { compressFeatureSchema, compressGlobalSchema } from '../pipeline/compress/config.js';
import { routeFeatureSchema, routeGlobalSchema } from '../pipeline/route/config.js';
import { shapeFeatureSchema, shapeGlobalSchema } from '../pipeline/shape/config.js';
import { shortcutFeatureSchema, shortcutGlobalSchema } from '../pipeline/shortcut/config.js';
import { priceOverrideSchema } from '../pricing/price-override.js';
import { experimentSchema } from '../quality/experiment-config.js';
import { qualityFeatureSchema } from '../quality/quality-config.js';
import { PROVIDER_TYPES } from '../providers/registry.js';

const providerTypes = Object.keys(PROVIDER_TYPES) as [
  keyof typeof PROVIDER_TYPES,
  ...(keyof typeof PROVIDER_TYPES)[],
];

/**
 * Price overrides: the pricing code's own schema, so every field the catalog supports (`reasoning`,
 * `promptCacheMinTokens`, `aliases`, tiers, "0.5" or ".5" decimal strings) is accepted here too.
 */
export const priceOverrideConfigSchema = priceOverrideSchema;

export const providerConfigSchema = z.strictObject({
  type: z.enum(providerTypes),
  /** Base URL. OpenAI-style: including `/v1` (e.g. http://localhost:11434/v1). Anthropic: without `/v1`. */
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  apiKey: z.string().min(1).optional(),
  /** Name of the environment variable holding the key (preferred over `apiKey` in files). */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
    .optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** Models this provider serves; "*" globs allowed. Empty = decided by model-name family. */
  models: z.array(z.string().min(1)).optional(),
  /** Azure OpenAI: api-version query parameter. */
  apiVersion: z.string().optional(),
  /** Azure OpenAI: model → deployment name. */
  deployments: z.record(z.string(), z.string()).optional(),
  /** Max time to wait for response headers, ms. */
  timeoutMs: z.number().int().positive().optional(),
  /** Max silence between two body chunks (stalled streams), ms. */
  idleTimeoutMs: z.number().int().positive().optional(),
  maxConnections: z.number().int().positive().optional(),
});

/** The policy sections of a feature, one per pipeline stage, each defined beside its stage. */
const featureSections = {
  /** Store prompt and response bodies for this feature (off by default; hashes and counts are always kept). */
  storePrompts: z.boolean().optional(),
  cache: cacheFeatureSchema.optional(),
  compress: compressFeatureSchema.optional(),
  shape: shapeFeatureSchema.optional(),
  shortcut: shortcutFeatureSchema.optional(),
  route: routeFeatureSchema.optional(),
  cascade: cascadeFeatureSchema.optional(),
  /** Micro-batching: small items of this feature share one upstream call (src/batch). */
  batch: batchFeatureSchema.optional(),
  /** `batch`: answer 202 at once and send the request through the provider's Batch API (src/batch/defer). */
  defer: deferFeatureSchema.optional(),
};

/** A feature's policy: its sections, plus an experiment whose arms are policies of the same sections. */
export const featureConfigSchema = z.strictObject({
  ...featureSections,
  /** A/B split of this feature's traffic between arms (src/quality/). */
  experiment: experimentSchema(featureSections).optional(),
  /** Shadow evaluation and the quality guardrail (src/quality/). */
  quality: qualityFeatureSchema.optional(),
});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8787),
      maxBodyBytes: z
        .number()
        .int()
        .positive()
        .default(10 * 1024 * 1024),
      /** Tokens clients must present when the gateway listens beyond loopback (name → token). */
      authTokens: z.record(z.string(), z.string().min(16, 'at least 16 characters')).optional(),
      adminToken: z.string().min(16, 'at least 16 characters').optional(),
      /** Use a client's own provider key when it sends one (Authorization / x-api-key). */
      passThroughKeys: z.boolean().default(true),
      /** On SIGTERM, how long answers in flight may take to finish before they are cut (recorded as cut). */
      shutdownGraceMs: z.number().int().min(0).max(600_000).default(10_000),
      /**
       * How far (%) V8 may grow the old generation past its live size before collecting again (process-wide;
       * 0, the default, leaves V8's own throughput-tuned factor, up to 300%). 30 cuts RSS at 64 clients by
       * ~50 MB but cost 7–33% more CPU per request on the quiet machine (BENCHMARKS.md, issue 14), beyond the
       * 5% the issue allows a default. See src/ops/heap-growth.ts.
       */
      heapGrowthPercent: z.number().int().min(0).max(400).default(0),
      /** Browser origins allowed to call Penny (CORS); any other Origin is refused with 403. */
      cors: z
        .strictObject({
          origins: z
            .array(
              z
                .string()
                .regex(
                  /^(\*|null|[a-z][a-z0-9+.-]*:\/\/[^/\s?#]+)$/i,
                  'an origin like "https://app.example.com" (scheme://host[:port], no path), "*" or "null"',
                ),
            )
            .default([]),
        })
        .prefault({}),
      /** Host header names accepted besides loopback names and server.host (DNS-rebinding guard); "*" accepts any. */
      allowedHosts: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  ledger: z
    .strictObject({
      path: z.string().min(1).optional(),
      /** PostgreSQL instead of the SQLite file (several instances share it); PENNY_DATABASE_URL wins. */
      url: z
        .string()
        .regex(/^postgres(ql)?:\/\/\S+$/, 'a postgres://user@host:port/database URL')
        .optional(),
      /** PostgreSQL schema holding Penny's tables (default "public"). */
      schema: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'letters, digits and _ (max 63), not starting with a digit')
        .optional(),
      /** Where entries wait on local disk while PostgreSQL is unreachable (default: <ledger dir>/spill). */
      spillDir: z.string().min(1).optional(),
      /** Most entries an instance holds in memory before spilling the oldest to disk. */
      maxBuffered: z.number().int().positive().default(20_000),
      /** How long a ledger entry may wait in memory before its batch is written (the SIGKILL window). */
      flushIntervalMs: z.number().int().positive().default(25),
      batchSize: z.number().int().positive().default(512),
      /**
       * SQLite: append each entry to a write-ahead journal (`<ledger>.journal/`, one write(2) each) when it is
       * recorded, replayed exactly once at the next open — a SIGKILL then loses no recorded entry.
       */
      journal: z.boolean().default(false),
    })
    .prefault({}),
  providers: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, - and _'),
      providerConfigSchema,
    )
    .default({}),
  /** Aliases: a model name clients use → the provider and model that serve it. */
  models: z
    .record(z.string(), z.strictObject({ provider: z.string().min(1), model: z.string().min(1) }))
    .default({}),
  /** Price overrides in USD per 1M tokens (negotiated rates, self-hosted models). */
  prices: z.record(z.string(), priceOverrideConfigSchema).default({}),
  /** Extra price files in LiteLLM's model_prices_and_context_window.json format. */
  priceFiles: z.array(z.string().min(1)).default([]),
  /** Per-feature policies; `default` applies to requests with no (or an unlisted) feature. */
  features: z.record(z.string(), featureConfigSchema).default({}),
  cache: cacheGlobalSchema.prefault({}),
  compress: compressGlobalSchema.prefault({}),
  shape: shapeGlobalSchema.prefault({}),
  shortcut: shortcutGlobalSchema.prefault({}),
  route: routeGlobalSchema.prefault({}),
  cascade: cascadeGlobalSchema.prefault({}),
  /** OpenAI Responses API conversation state (previous_response_id, GET /v1/responses/{id}). */
  responses: z
    .strictObject({
      /**
       * Where responses are kept: PostgreSQL (the ledger's database and schema; the default when the ledger
       * is PostgreSQL, so every instance sees every response), a SQLite file beside the ledger (the default
       * otherwise) or memory.
       */
      store: z.enum(['sqlite', 'memory', 'postgres']).optional(),
      /** SQLite file; default: beside the ledger (`ledger.db` → `ledger.responses.db`). */
      path: z.string().min(1).optional(),
      /** How long a response can be continued or fetched, days (OpenAI keeps them 30). */
      ttlDays: z.number().positive().default(30),
    })
    .prefault({}),
  /** Per provider and model: stop calling a failing target for a cool-down and go to its fallbacks. */
  circuitBreaker: circuitBreakerSchema.prefault({}),
  /** Batch-API deferral: the job store and the submitter loop (src/batch/defer). */
  batchJobs: batchJobsSchema.prefault({}),
  /** Virtual keys, budgets, rate limits and alerts (src/governance/). */
  governance: governanceConfigSchema.prefault({}),
});
export type FeatureConfig = z.output<typeof featureConfigSchema>;
export type ExperimentConfig = NonNullable<FeatureConfig['experiment']>;

export type PennyConfig = z.output<typeof configSchema>;
export type ProviderConfig = z.output<typeof providerConfigSchema>;
export type PriceOverrideConfig = z.output<typeof priceOverrideConfigSchema>;
