/**
 * Anthropic `stop_reason` ⇄ the unified finish reason. The raw value always rides along; when rendering
 * for an Anthropic client a raw value that is already an Anthropic stop reason is sent back unchanged,
 * so `pause_turn` or `model_context_window_exceeded` survive a round trip.
 */
import type { Finish, FinishReason } from '../../core/response.js';

const UNIFIED: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
  pause_turn: 'other',
};

export function mapStopReason(raw: string | null | undefined): Finish {
  if (raw === null || raw === undefined) return { unified: 'other', raw: null };
  return { unified: UNIFIED[raw] ?? 'other', raw };
}

/** The Anthropic stop reason for a canonical finish (which may have come from another dialect). */
export function toAnthropicStopReason(finish: Finish, stopSequence?: string | null): string {
  if (finish.raw !== null && UNIFIED[finish.raw] === finish.unified) {
    // Already Anthropic's own word, unless a stop sequence contradicts a plain end_turn.
    if (finish.raw === 'end_turn' && stopSequence) return 'stop_sequence';
    return finish.raw;
  }
  switch (finish.unified) {
    case 'stop':
      return stopSequence ? 'stop_sequence' : 'end_turn';
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}
