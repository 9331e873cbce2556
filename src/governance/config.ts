/**
 * The `governance` config section: where keys and counters live, budgets, rate limits and alerts.
 * Budgets and rate limits name a scope with `match` (globs on provider, model, feature, key, user; absent =
 * any) and `per` (dimensions counted separately: `per: [user]` gives each user their own budget).
 */
import { z } from 'zod';
import { isUtcZone } from './window.js';

export const DIMENSIONS = ['provider', 'model', 'feature', 'key', 'user'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const budgetNameSchema = z.string().regex(NAME, 'letters, digits, _ . - (at most 64)');

const usdAmount = z.union([
  z.number().nonnegative(),
  z.string().regex(/^\d+(\.\d+)?$/, 'a decimal amount in USD, e.g. "50" or "0.25"'),
]);

/** `day`, `week`, `month` (calendar, in `timeZone`), `total`, or a rolling length such as `24h`, `7d`, `90m`. */
export const windowSchema = z.union([
  z.enum(['day', 'week', 'month', 'total']),
  z.string().regex(/^\d+[mhd]$/, 'day, week, month, total, or a rolling length such as 24h, 7d, 90m'),
]);

export const scopeMatchSchema = z.strictObject({
  provider: z.string().min(1).max(200).optional(),
  model: z.string().min(1).max(200).optional(),
  feature: z.string().min(1).max(200).optional(),
  key: z.string().min(1).max(200).optional(),
  user: z.string().min(1).max(200).optional(),
});

export const budgetConfigSchema = z.strictObject({
  name: budgetNameSchema,
  /** USD. */
  limit: usdAmount,
  window: windowSchema.default('month'),
  match: scopeMatchSchema.default({}),
  per: z.array(z.enum(DIMENSIONS)).default([]),
  /** reject: 429 before the call; downgrade: the route condition `when: { budget: exceeded }` holds; warn: serve and alert. */
  policy: z.enum(['reject', 'downgrade', 'warn']).default('reject'),
  /** When the counter store is unreachable: closed refuses, open serves uncounted. Default closed, open for warn. */
  failMode: z.enum(['closed', 'open']).optional(),
  /** Percent thresholds that alert once per window. */
  alertAt: z.array(z.number().positive().max(1000)).default([50, 80, 100]),
});

export const rateLimitConfigSchema = z
  .strictObject({
    name: budgetNameSchema,
    match: scopeMatchSchema.default({}),
    per: z.array(z.enum(DIMENSIONS)).default([]),
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    failMode: z.enum(['closed', 'open']).default('open'),
  })
  .refine((r) => r.rpm !== undefined || r.tpm !== undefined, { message: 'set rpm, tpm or both' });

const webhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  /** json: Penny's alert object; slack: a Slack-compatible incoming-webhook body ({ text, blocks }). */
  format: z.enum(['json', 'slack']).default('json'),
  headers: z.record(z.string(), z.string()).optional(),
});

export const governanceConfigSchema = z.strictObject({
  /** Where keys, budgets set by the CLI and counters live: SQLite beside the ledger, or Redis shared by instances. */
  store: z
    .union([
      z.strictObject({ sqlite: z.strictObject({ path: z.string().min(1).optional() }).prefault({}) }),
      z.strictObject({
        redis: z
          .strictObject({
            url: z.string().min(1).optional(),
            keyPrefix: z.string().default('penny:gov:'),
            commandTimeoutMs: z.number().int().positive().default(2000),
          })
          .prefault({}),
      }),
    ])
    .default({ sqlite: {} }),
  /**
   * Keys and CLI budgets in PostgreSQL instead of `store` (counters stay in `store`): every instance and the
   * CLI share them; `url` defaults to the ledger's (ledger.url / PENNY_DATABASE_URL).
   */
  keyStore: z
    .strictObject({
      postgres: z.strictObject({
        url: z
          .string()
          .regex(/^postgres(ql)?:\/\/\S+$/, 'a postgres:// URL')
          .optional(),
        schema: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'letters, digits and _ (max 63)')
          .default('public'),
      }),
    })
    .optional(),
  /** Time zone of calendar windows (IANA name). */
  timeZone: z
    .string()
    .default('UTC')
    .refine(validTimeZone, { message: 'an IANA time zone such as UTC or Europe/Paris' }),
  /** Refuse requests that carry neither a virtual key nor a server.authTokens token. */
  requireKeys: z.boolean().default(false),
  /** How long a verified key is trusted before it is read again (revocation takes effect within this). */
  keyCacheMs: z.number().int().min(0).default(1000),
  /** How often budgets set with `penny budgets set` are re-read. */
  refreshMs: z.number().int().min(0).default(1000),
  /** A reservation left by a crashed instance expires after this and is released. */
  reservationTtlSeconds: z.number().int().positive().default(900),
  /**
   * Leased allowances (README, "Budgets across instances"): each gateway leases room on a counter from the store
   * and admits calls against it in process, so most requests need no store round trip; budgets stay exact.
   */
  allowance: z
    .strictObject({
      /** Calls' worth of worst case leased ahead (at most a quarter of the room left); 0 = one store call per request. */
      calls: z.number().int().min(0).max(10_000).default(16),
      /** An allowance unused this long is returned to the store (ms). */
      idleMs: z.number().int().min(10).max(600_000).default(1000),
      /** Settled spend is written to the store within this many ms, all counters in one call. */
      writeBehindMs: z.number().int().min(0).max(10_000).default(25),
      /** A dead gateway's allowance is freed after this (renewed while in use). */
      ttlSeconds: z.number().int().min(1).max(3600).default(60),
    })
    .prefault({}),
  /** Counted prompt tokens are raised by this fraction in the worst case (tokenizers differ slightly). */
  inputMargin: z.number().min(0).max(1).default(0.1),
  /** Output bound when the client sent no max_tokens and the model's maximum output is unknown. */
  defaultMaxOutput: z.number().int().positive().default(16_384),
  budgets: z.array(budgetConfigSchema).default([]),
  rateLimits: z.array(rateLimitConfigSchema).default([]),
  alerts: z
    .strictObject({
      webhooks: z.array(webhookSchema).default([]),
      /** Alert when the last hour's spend is above `factor` × the average hour of the previous `trailingHours`. */
      spendRate: z
        .strictObject({
          factor: z.number().positive().default(3),
          trailingHours: z.number().int().min(1).max(168).default(24),
          /** Below this hourly spend (USD) no spend-rate alert is sent. */
          minHourlyUsd: usdAmount.default(1),
        })
        .optional(),
      maxAttempts: z.number().int().min(1).max(20).default(5),
      timeoutMs: z.number().int().positive().default(5000),
    })
    .prefault({}),
});

function validTimeZone(tz: string): boolean {
  if (isUtcZone(tz)) return true; // the default: no Intl, so no ICU data mapped (window.ts)
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export type GovernanceConfig = z.output<typeof governanceConfigSchema>;
export type BudgetConfig = z.output<typeof budgetConfigSchema>;
export type RateLimitConfig = z.output<typeof rateLimitConfigSchema>;
export type ScopeMatch = z.output<typeof scopeMatchSchema>;
