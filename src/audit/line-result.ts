/**
 * What parsing one log line yields, and the state a reader keeps across lines: Batch API input lines
 * waiting for their output line (bounded; an output with no input is still priced, just without a prompt).
 */
import type { Usage } from '../core/usage.js';
import type { PromptScan } from './message-text.js';
import type { AuditRecord } from './types.js';

export type LineResult =
  | { kind: 'record'; record: AuditRecord }
  /** A valid line that is not a billed request (error response, batch input awaiting output). */
  | { kind: 'skip'; reason: string }
  | { kind: 'malformed'; reason: string };

export interface PendingBatchInput {
  model: string;
  maxTokens: number | null;
  scan: PromptScan;
  feature: string | null;
  user: string | null;
}

export const MAX_PENDING_BATCH_INPUTS = 50_000;

/** Batch input lines keyed by custom_id, until their output line arrives. */
export class BatchPairing {
  readonly #pending = new Map<string, PendingBatchInput>();
  #dropped = 0;

  put(customId: string, input: PendingBatchInput): void {
    if (this.#pending.size >= MAX_PENDING_BATCH_INPUTS && !this.#pending.has(customId)) {
      this.#dropped++;
      return;
    }
    // Keep only what pricing and the estimators need; the texts would pin whole prompts in memory.
    input.scan.prompt.texts = [];
    input.scan.prompt.prefixTexts = 0;
    if (input.scan.prompt.lastUser.length > 512)
      input.scan.prompt.lastUser = input.scan.prompt.lastUser.slice(0, 512);
    this.#pending.set(customId, input);
  }

  take(customId: string | undefined): PendingBatchInput | undefined {
    if (customId === undefined) return undefined;
    const v = this.#pending.get(customId);
    if (v !== undefined) this.#pending.delete(customId);
    return v;
  }

  /** Inputs never matched by an output line, and inputs not kept because the map was full. */
  get unmatched(): number {
    return this.#pending.size + this.#dropped;
  }
}

export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/** Usage estimated from text lengths (chars / 4) for a log line that carries no usage; flagged as estimated. */
export function estimatedUsage(inputChars: number, outputChars: number): Usage {
  return {
    inputUncached: estimateTokens(inputChars),
    cacheRead: 0,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    outputText: estimateTokens(outputChars),
    reasoning: 0,
    estimated: true,
  };
}

/**
 * Usage from a log line whose usage object is partial (e.g. a stream logged after it broke: Anthropic's
 * `message_start` reports the input side only). What the provider reported is kept; a missing side is
 * estimated from text lengths (chars / 4) and the whole is flagged as estimated.
 */
export function completeUsage(
  reported: Usage,
  missing: { input: boolean; output: boolean },
  inputChars: number | undefined,
  outputChars: number,
): Usage {
  const fillInput = missing.input && inputChars !== undefined;
  const fillOutput = missing.output && outputChars > 0;
  if (!fillInput && !fillOutput) return reported;
  const cachedInput = (u: Usage) => u.cacheRead + u.cacheWrite5m + u.cacheWrite1h;
  return {
    ...reported,
    // The text estimate covers the whole prompt, cached parts included.
    ...(fillInput ? { inputUncached: Math.max(0, estimateTokens(inputChars) - cachedInput(reported)) } : {}),
    ...(fillOutput ? { outputText: estimateTokens(outputChars) } : {}),
    estimated: true,
  };
}
