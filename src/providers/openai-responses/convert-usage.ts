/**
 * OpenAI Responses API usage ⇄ canonical usage. Like Chat Completions, `input_tokens` INCLUDES cached
 * tokens and `output_tokens` INCLUDES reasoning tokens; only the field names differ
 * (`input_tokens_details.cached_tokens`, `output_tokens_details.reasoning_tokens`).
 */
import type { Usage } from '../../core/usage.js';
import { splitOpenAiUsage } from '../openai/split-usage.js';
import type { JsonObject } from '../openai/wire-guards.js';

const RESPONSES_USAGE = {
  input: 'input_tokens',
  output: 'output_tokens',
  inputDetails: 'input_tokens_details',
  outputDetails: 'output_tokens_details',
} as const;

export function parseResponsesUsage(raw: unknown): Usage {
  return splitOpenAiUsage(raw, RESPONSES_USAGE);
}

export function renderResponsesUsage(usage: Usage): JsonObject {
  const cacheWrite = usage.cacheWrite5m + usage.cacheWrite1h;
  const input = usage.inputUncached + usage.cacheRead + cacheWrite;
  const output = usage.outputText + usage.reasoning;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage.cacheRead, cache_write_tokens: cacheWrite },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage.reasoning },
    total_tokens: input + output,
  };
}
