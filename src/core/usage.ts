/**
 * Canonical token usage. Input is split so that every token is billed exactly once:
 * total input = inputUncached + cacheRead + cacheWrite5m + cacheWrite1h; total output = outputText + reasoning.
 * OpenAI's `prompt_tokens` INCLUDES cached tokens and Anthropic's `input_tokens` EXCLUDES them; the dialect
 * converters undo that difference so nothing downstream has to know it.
 */
export interface Usage {
  /** Input tokens billed at the model's base input rate. */
  inputUncached: number;
  /** Input tokens read from the provider's prompt cache. */
  cacheRead: number;
  /** Input tokens written to the provider's prompt cache with a 5-minute TTL (also OpenAI 5.6+ writes). */
  cacheWrite5m: number;
  /** Input tokens written to the provider's prompt cache with a 1-hour TTL. */
  cacheWrite1h: number;
  /** Visible output tokens (excluding reasoning). */
  outputText: number;
  /** Reasoning / thinking tokens, billed as output. */
  reasoning: number;
  /** True when some count was estimated locally (e.g. an aborted stream) rather than reported by the provider. */
  estimated?: boolean;
  /** The provider's usage object exactly as received. */
  raw?: unknown;
}

export const ZERO_USAGE: Readonly<Usage> = Object.freeze({
  inputUncached: 0,
  cacheRead: 0,
  cacheWrite5m: 0,
  cacheWrite1h: 0,
  outputText: 0,
  reasoning: 0,
});

export function emptyUsage(): Usage {
  return { inputUncached: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, outputText: 0, reasoning: 0 };
}

export function totalInputTokens(u: Usage): number {
  return u.inputUncached + u.cacheRead + u.cacheWrite5m + u.cacheWrite1h;
}

export function totalOutputTokens(u: Usage): number {
  return u.outputText + u.reasoning;
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputUncached: a.inputUncached + b.inputUncached,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite5m: a.cacheWrite5m + b.cacheWrite5m,
    cacheWrite1h: a.cacheWrite1h + b.cacheWrite1h,
    outputText: a.outputText + b.outputText,
    reasoning: a.reasoning + b.reasoning,
    ...(a.estimated || b.estimated ? { estimated: true } : {}),
  };
}
