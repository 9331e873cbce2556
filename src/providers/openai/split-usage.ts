/**
 * The OpenAI family's usage arithmetic, shared by Chat Completions and the Responses API: the input count
 * INCLUDES cached tokens (and `cache_write_tokens` where a model charges cache writes), the output count
 * INCLUDES reasoning tokens. Canonical usage splits them so every token is billed exactly once. Only the
 * field names differ between the two APIs; each passes its own.
 */
import type { Usage } from '../../core/usage.js';
import { isObject, type JsonObject } from './wire-guards.js';

export interface UsageFieldNames {
  readonly input: string;
  readonly output: string;
  readonly inputDetails: string;
  readonly outputDetails: string;
}

function count(o: JsonObject | undefined, key: string): number {
  const v = o?.[key];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

/** Canonical usage from an OpenAI-family `usage` object; anything missing counts as 0, `raw` keeps the original. */
export function splitOpenAiUsage(raw: unknown, names: UsageFieldNames): Usage {
  const u = isObject(raw) ? raw : undefined;
  const inDetails = isObject(u?.[names.inputDetails]) ? (u[names.inputDetails] as JsonObject) : undefined;
  const outDetails = isObject(u?.[names.outputDetails]) ? (u[names.outputDetails] as JsonObject) : undefined;
  const input = count(u, names.input);
  const output = count(u, names.output);
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
