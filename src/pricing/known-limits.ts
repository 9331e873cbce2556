/**
 * Context window and max output for main non-OpenAI models that the bundled genai-prices data lacks
 * (it carries prices and, for some models, the context window — never max output). Values are LiteLLM's
 * `max_input_tokens` / `max_output_tokens` (2025-09-01 copy; newer models from LiteLLM @00035b69 as quoted in
 * the pricing reference). They fill gaps only: a value present in the price data is never replaced.
 */
import type { PriceEntry } from './price.js';

export const KNOWN_LIMITS_SOURCE = 'LiteLLM model_prices_and_context_window.json (limits)';

/** provider/model → [context window, max output]; undefined leaves that field alone. */
export const KNOWN_LIMITS: Readonly<Record<string, readonly [number | undefined, number | undefined]>> = {
  'anthropic/claude-3-haiku': [200_000, 4_096],
  'anthropic/claude-3-5-haiku-latest': [200_000, 8_192],
  'anthropic/claude-3-5-sonnet': [200_000, 8_192],
  'anthropic/claude-3-7-sonnet-latest': [200_000, 64_000],
  'anthropic/claude-sonnet-4-0': [200_000, 64_000],
  'anthropic/claude-opus-4-0': [200_000, 32_000],
  'anthropic/claude-opus-4-1': [200_000, 32_000],
  'anthropic/claude-haiku-4-5': [200_000, 64_000],
  'anthropic/claude-sonnet-4-5': [200_000, 64_000],
  'anthropic/claude-opus-4-5': [200_000, 64_000],
  'anthropic/claude-sonnet-4-6': [1_000_000, 64_000],
  'anthropic/claude-opus-4-6': [1_000_000, 128_000],
  'anthropic/claude-opus-4-7': [1_000_000, 128_000],
  'google/gemini-2.0-flash': [1_048_576, 8_192],
  'google/gemini-2.0-flash-lite': [1_048_576, 8_192],
  'google/gemini-2.5-flash': [1_048_576, 65_535],
  'google/gemini-2.5-flash-lite': [1_048_576, 65_535],
  'google/gemini-2.5-pro': [1_048_576, 65_535],
  'google/gemini-3-pro-preview': [1_048_576, 65_536],
  'google/gemini-3.1-pro-preview': [1_048_576, 65_536],
  'google/gemini-3-flash-preview': [1_048_576, 65_535],
  'groq/llama-3.3-70b-versatile': [128_000, 32_768],
  'groq/llama-3.1-8b-instant': [128_000, 8_192],
  'groq/openai/gpt-oss-120b': [131_072, 32_766],
  'groq/openai/gpt-oss-20b': [131_072, 32_768],
  'deepseek/deepseek-chat': [65_536, 8_192],
  'deepseek/deepseek-reasoner': [65_536, 8_192],
};

/** Fills a missing context window / max output from KNOWN_LIMITS, recording the origin in `fieldSources`. */
export function applyKnownLimits(entry: PriceEntry): void {
  const limits = KNOWN_LIMITS[`${entry.provider}/${entry.model}`.toLowerCase()];
  if (!limits) return;
  const [context, maxOutput] = limits;
  if (entry.contextWindow === undefined && context !== undefined) {
    entry.contextWindow = context;
    entry.fieldSources = { ...entry.fieldSources, contextWindow: KNOWN_LIMITS_SOURCE };
  }
  if (entry.maxOutput === undefined && maxOutput !== undefined) {
    entry.maxOutput = maxOutput;
    entry.fieldSources = { ...entry.fieldSources, maxOutput: KNOWN_LIMITS_SOURCE };
  }
}
