/**
 * Anthropic usage ⇄ canonical usage. Anthropic's `input_tokens` EXCLUDES cache reads and writes, so it is
 * the uncached count as is; `output_tokens` INCLUDES thinking, so reasoning is split out of it. The cache
 * write split by TTL comes from `cache_creation` when present; any remainder of
 * `cache_creation_input_tokens` not covered by the split is billed as a 5-minute write.
 */
import type { Usage } from '../../core/usage.js';
import { isRecord, type Json } from './wire.js';

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

export function parseUsage(raw: unknown): Usage {
  const u = isRecord(raw) ? raw : {};
  const output = count(u.output_tokens);
  const details = u.output_tokens_details;
  const reasoning = Math.min(isRecord(details) ? count(details.thinking_tokens) : 0, output);
  const creationTotal = count(u.cache_creation_input_tokens);
  let w5 = creationTotal;
  let w1 = 0;
  const split = u.cache_creation;
  if (
    isRecord(split) &&
    (split.ephemeral_5m_input_tokens != null || split.ephemeral_1h_input_tokens != null)
  ) {
    w5 = count(split.ephemeral_5m_input_tokens);
    w1 = count(split.ephemeral_1h_input_tokens);
    const rest = creationTotal - w5 - w1;
    if (rest > 0) w5 += rest;
  }
  return {
    inputUncached: count(u.input_tokens),
    cacheRead: count(u.cache_read_input_tokens),
    cacheWrite5m: w5,
    cacheWrite1h: w1,
    outputText: output - reasoning,
    reasoning,
    raw,
  };
}

/** Anthropic-shaped usage for a client: `input_tokens` is the uncached part only. */
export function renderUsage(u: Usage): Json {
  const out: Json = {
    input_tokens: u.inputUncached,
    cache_creation_input_tokens: u.cacheWrite5m + u.cacheWrite1h,
    cache_read_input_tokens: u.cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: u.cacheWrite5m, ephemeral_1h_input_tokens: u.cacheWrite1h },
    output_tokens: u.outputText + u.reasoning,
  };
  if (u.reasoning > 0) out.output_tokens_details = { thinking_tokens: u.reasoning };
  return out;
}
