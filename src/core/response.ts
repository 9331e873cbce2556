/**
 * The canonical response and the canonical stream events. A finish reason keeps both the unified value
 * and the provider's raw string, so nothing is lost in translation.
 */
import type { ContentPart, Dialect } from './request.js';
import type { Usage } from './usage.js';

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error' | 'other';

export interface Finish {
  unified: FinishReason;
  /** The provider's own value, e.g. "end_turn", "stop_sequence", "max_tokens", "tool_use", "stop". */
  raw: string | null;
}

export interface Choice {
  index: number;
  /** Text, tool calls and reasoning produced by the model, in order. */
  content: ContentPart[];
  refusal?: string | null;
  finish: Finish;
  /** OpenAI logprobs object, verbatim. */
  logprobs?: unknown;
}

export interface CanonicalResponse {
  id: string;
  /** The model that actually served the request, as the provider named it. */
  model: string;
  created: number;
  choices: Choice[];
  usage: Usage | null;
  /** Anthropic: the stop sequence that ended generation. */
  stopSequence?: string | null;
  /** Provider fields Penny does not model (system_fingerprint, service_tier …), verbatim. */
  extra?: Record<string, unknown>;
  /** The dialect the upstream spoke. */
  sourceDialect?: Dialect;
}

export type StreamEvent =
  | { type: 'start'; id: string; model: string; created: number; extra?: Record<string, unknown> }
  | { type: 'text'; index: number; text: string }
  | { type: 'reasoning'; index: number; text: string; signature?: string }
  | { type: 'tool_call_start'; index: number; toolIndex: number; id: string; name: string }
  | { type: 'tool_call_delta'; index: number; toolIndex: number; argumentsDelta: string }
  | { type: 'logprobs'; index: number; logprobs: unknown }
  | { type: 'refusal'; index: number; text: string }
  | { type: 'finish'; index: number; finish: Finish; stopSequence?: string | null }
  | { type: 'usage'; usage: Usage }
  /** `upstreamType`: the provider's own error type (e.g. Anthropic `overloaded_error`), when it sent one. */
  | { type: 'error'; code: string; message: string; upstreamType?: string }
  | { type: 'end' };

/** Concatenated visible text of a choice. */
export function choiceText(choice: Choice): string {
  let s = '';
  for (const p of choice.content) if (p.type === 'text') s += p.text;
  return s;
}
