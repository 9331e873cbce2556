/**
 * OpenAI Responses API usage ⇄ canonical usage. Like Chat Completions, `input_tokens` INCLUDES cached
 * tokens and `output_tokens` INCLUDES reasoning tokens; only the field names differ
 * (`input_tokens_details.cached_tokens`, `output_tokens_details.reasoning_tokens`).
 */
import type { Usage } from '../../core/usage.js';
import { isObject, type JsonObject } from '../openai/wire-guards.js';

function count(o: JsonObject | undefined, key: string): number {
  const v = o?.[key];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

export function parseResponsesUsage(raw: unknown): Usage {
  const u = isObject(raw) ? raw : undefined;
  const inDetails = isObject(u?.input_tokens_details) ? u.input_tokens_details : undefined;
  const outDetails = isObject(u?.output_tokens_details) ? u.output_tokens_details : undefined;
  const input = count(u, 'input_tokens');
  const output = count(u, 'output_tokens');
  const cacheRead = count(inDetails, 'cached_tokens');
  const cacheWrite = count(inDetails, 'cache_write_tokens');
  const reasoning = count(outDetails, 'reasoning_tokens');
  return {
    inputUncached: Math.max(0, input - cacheRead - cacheWrite),
    cacheRead,
    cacheWrite5m: cacheWrite,
    cacheWrite1h: 0,
    outputText: Math.max(0, output - reasoning),
    reasoning,
    raw,
  };
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
