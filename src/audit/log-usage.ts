/**
 * Usage objects found in logs → canonical usage, through the provider modules' own converters (the same
 * ones the gateway uses), so the audit splits cache reads, cache writes by TTL and reasoning exactly as the
 * ledger does. Logs sometimes carry counts as digit strings (CSV exports, some proxies); those are read as
 * numbers first. The raw object is not kept: an audit may read millions of lines.
 */
import type { Usage } from '../core/usage.js';
import { PROVIDER_MODULES } from '../providers/modules.js';
import type { Obj } from './json-shape.js';

function numeric(v: unknown, depth = 0): unknown {
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  if (depth < 2 && typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = numeric(x, depth + 1);
    return out;
  }
  return v;
}

function withoutRaw({ raw: _raw, ...usage }: Usage): Usage {
  return usage;
}

/** OpenAI usage: Chat Completions (`prompt_tokens`, …) or Responses API (`input_tokens`, …) field names. */
export function openAiLogUsage(u: Obj): Usage {
  const chat = 'prompt_tokens' in u || 'completion_tokens' in u;
  const module = chat ? PROVIDER_MODULES.openai : PROVIDER_MODULES.responses;
  return withoutRaw(module.usage.parse(numeric(u)));
}

/** Anthropic Messages usage (thinking tokens split out of `output_tokens` as reasoning). */
export function anthropicLogUsage(u: Obj): Usage {
  return withoutRaw(PROVIDER_MODULES.anthropic.usage.parse(numeric(u)));
}
