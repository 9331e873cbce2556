/**
 * OpenAI `finish_reason` ⇄ canonical Finish. The raw value is kept so an OpenAI client of an OpenAI upstream
 * sees exactly what the upstream said (even the legacy "function_call"); a finish from another dialect
 * (raw "end_turn", "tool_use" …) is rendered from its unified value instead.
 */
import type { Finish, FinishReason } from '../../core/response.js';

const UNIFIED: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
};

export function mapFinishReason(raw: unknown): Finish {
  if (typeof raw !== 'string') return { unified: 'other', raw: null };
  return { unified: UNIFIED[raw] ?? 'other', raw };
}

/** The OpenAI `finish_reason` for a canonical finish. */
export function toOpenAIFinishReason(finish: Finish): string {
  if (finish.raw !== null && Object.hasOwn(UNIFIED, finish.raw)) return finish.raw;
  switch (finish.unified) {
    case 'length':
      return 'length';
    case 'tool_calls':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'stop';
  }
}
