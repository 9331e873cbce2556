/**
 * Price overrides from configuration: negotiated rates, self-hosted models, corrections of bad source data.
 * All prices are USD per 1M tokens, as a number or (better, for exactness) a decimal string such as "0.075".
 * An override may name a model that no source knows; it then prices that model under provider "custom"
 * unless `provider` says otherwise. The schema here is the one the config loader reuses.
 */
import { z } from 'zod';
import { perMillionToPerToken } from '../core/money.js';
import type { PriceEntry, PriceField, PriceTier } from './price.js';

/** A price in USD per 1M tokens: a non-negative number or decimal text ("2.5", "0.075", "1e-1"). */
const usdPerMillion = z.union([
  z.number().nonnegative(),
  z.string().regex(/^\s*\d*\.?\d+(?:[eE][+-]?\d+)?\s*$/, 'expected a decimal price in USD per 1M tokens'),
]);

const tokenCount = z.number().int().positive();

export const priceTierOverrideSchema = z.strictObject({
  /** The tier applies when the request's total prompt (incl. cached tokens) is above this many tokens. */
  aboveInputTokens: z.number().int().nonnegative(),
  input: usdPerMillion,
  output: usdPerMillion,
  cacheRead: usdPerMillion.optional(),
  cacheWrite5m: usdPerMillion.optional(),
  cacheWrite1h: usdPerMillion.optional(),
});

export const priceOverrideSchema = z.strictObject({
  provider: z.string().min(1).optional(),
  input: usdPerMillion,
  output: usdPerMillion,
  cacheRead: usdPerMillion.optional(),
  cacheWrite5m: usdPerMillion.optional(),
  cacheWrite1h: usdPerMillion.optional(),
  reasoning: usdPerMillion.optional(),
  batchInput: usdPerMillion.optional(),
  batchOutput: usdPerMillion.optional(),
  contextWindow: tokenCount.optional(),
  maxOutput: tokenCount.optional(),
  promptCacheMinTokens: tokenCount.optional(),
  aliases: z.array(z.string().min(1)).optional(),
  tiers: z.array(priceTierOverrideSchema).optional(),
});

/** Overrides keyed by model name (optionally provider-prefixed, e.g. "openai/gpt-4o"). */
export const priceOverridesSchema = z.record(z.string().min(1), priceOverrideSchema);

export type PriceOverride = z.input<typeof priceOverrideSchema>;
export type PriceTierOverride = z.input<typeof priceTierOverrideSchema>;

export const CONFIG_SOURCE = 'config';

function rate(v: number | string): bigint {
  return perMillionToPerToken(typeof v === 'number' ? String(v) : v.trim());
}

/**
 * Turns one override into a PriceEntry. Prices come only from the override; context window, max output,
 * cache minimum and capabilities are inherited from `shadowed` (the entry it replaces) when not given.
 */
export function overrideToEntry(
  model: string,
  provider: string,
  override: PriceOverride,
  shadowed?: PriceEntry,
): PriceEntry {
  const o = priceOverrideSchema.parse(override);
  const entry: PriceEntry = {
    model,
    provider,
    source: CONFIG_SOURCE,
    input: rate(o.input),
    output: rate(o.output),
  };
  if (o.cacheRead !== undefined) entry.cacheRead = rate(o.cacheRead);
  if (o.cacheWrite5m !== undefined) entry.cacheWrite5m = rate(o.cacheWrite5m);
  if (o.cacheWrite1h !== undefined) entry.cacheWrite1h = rate(o.cacheWrite1h);
  if (o.reasoning !== undefined) entry.reasoning = rate(o.reasoning);
  if (o.batchInput !== undefined) entry.batchInput = rate(o.batchInput);
  if (o.batchOutput !== undefined) entry.batchOutput = rate(o.batchOutput);
  if (o.tiers?.length) {
    entry.tiers = o.tiers
      .map((t): PriceTier => {
        const tier: PriceTier = {
          aboveInputTokens: t.aboveInputTokens,
          input: rate(t.input),
          output: rate(t.output),
        };
        if (t.cacheRead !== undefined) tier.cacheRead = rate(t.cacheRead);
        if (t.cacheWrite5m !== undefined) tier.cacheWrite5m = rate(t.cacheWrite5m);
        if (t.cacheWrite1h !== undefined) tier.cacheWrite1h = rate(t.cacheWrite1h);
        return tier;
      })
      .sort((a, b) => a.aboveInputTokens - b.aboveInputTokens);
  }
  if (o.aliases?.length) entry.aliases = o.aliases.map((a) => a.toLowerCase());

  const fieldSources: Partial<Record<PriceField, string>> = {};
  const inherit = <K extends 'contextWindow' | 'maxOutput' | 'promptCacheMinTokens'>(
    k: K,
    own: number | undefined,
  ) => {
    if (own !== undefined) entry[k] = own;
    else if (shadowed?.[k] !== undefined) {
      entry[k] = shadowed[k];
      fieldSources[k] = shadowed.fieldSources?.[k] ?? shadowed.source;
    }
  };
  inherit('contextWindow', o.contextWindow);
  inherit('maxOutput', o.maxOutput);
  inherit('promptCacheMinTokens', o.promptCacheMinTokens);
  if (shadowed?.capabilities) {
    entry.capabilities = shadowed.capabilities;
    fieldSources.capabilities = shadowed.fieldSources?.capabilities ?? shadowed.source;
  }
  if (Object.keys(fieldSources).length) entry.fieldSources = fieldSources;
  if (shadowed) entry.notes = [`overrides ${shadowed.provider}/${shadowed.model} from ${shadowed.source}`];
  return entry;
}
