/**
 * OpenAI Chat Completions usage ⇄ canonical usage.
 * The non-obvious part: `prompt_tokens` INCLUDES cached tokens (and, on models that charge cache writes,
 * `cache_write_tokens`), and `completion_tokens` INCLUDES reasoning tokens. Canonical usage splits them so
 * every token is billed exactly once; rendering adds them back up.
 */
import type { Usage } from '../../core/usage.js';
import { splitOpenAiUsage } from './split-usage.js';
import { isObject, type JsonObject } from './wire-guards.js';

const CHAT_USAGE = {
  input: 'prompt_tokens',
  output: 'completion_tokens',
  inputDetails: 'prompt_tokens_details',
  outputDetails: 'completion_tokens_details',
} as const;

/** Canonical usage from an OpenAI `usage` object; anything missing counts as 0, and `raw` keeps the original. */
export function parseUsage(raw: unknown): Usage {
  return splitOpenAiUsage(raw, CHAT_USAGE);
}

/**
 * OpenAI-shaped usage from canonical usage. When `raw` is itself an OpenAI usage object its other details
 * (audio tokens, prediction tokens …) are kept, but the counts always come from the canonical numbers.
 */
export function renderUsage(usage: Usage): JsonObject {
  const prompt = usage.inputUncached + usage.cacheRead + usage.cacheWrite5m + usage.cacheWrite1h;
  const completion = usage.outputText + usage.reasoning;
  const base = isObject(usage.raw) && 'prompt_tokens' in usage.raw ? usage.raw : undefined;
  const out: JsonObject = {
    ...base,
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
  const cacheWrite = usage.cacheWrite5m + usage.cacheWrite1h;
  // Details are added when the upstream sent them, when they carry a number, or when there is no OpenAI
  // original to imitate; an OpenAI-compatible server that sent bare counts gets bare counts back.
  const rawPrompt = isObject(base?.prompt_tokens_details) ? base.prompt_tokens_details : undefined;
  if (rawPrompt !== undefined || base === undefined || usage.cacheRead > 0 || cacheWrite > 0) {
    const d: JsonObject = { ...rawPrompt, cached_tokens: usage.cacheRead };
    if (cacheWrite > 0 || 'cache_write_tokens' in d) d.cache_write_tokens = cacheWrite;
    out.prompt_tokens_details = d;
  }
  const rawCompletion = isObject(base?.completion_tokens_details)
    ? base.completion_tokens_details
    : undefined;
  if (rawCompletion !== undefined || base === undefined || usage.reasoning > 0) {
    out.completion_tokens_details = { ...rawCompletion, reasoning_tokens: usage.reasoning };
  }
  return out;
}
