/**
 * Anthropic Messages wire format for the fake: JSON bodies, the full SSE event sequence and error
 * bodies. `input_tokens` EXCLUDES `cache_read_input_tokens` and `cache_creation_input_tokens` (the
 * latter split by TTL in `cache_creation`), and `output_tokens` includes thinking, as on the real API.
 * `message_delta` carries cumulative totals, which clients must overwrite, never add.
 */
import type { Answer, AnswerUsage } from './answer.js';
import { type Frame, sseEvent } from './frames.js';

export interface AnthropicCtx {
  id: string;
  model: string;
}

export function anthropicUsage(u: AnswerUsage): Record<string, unknown> {
  return {
    input_tokens: u.input,
    cache_creation_input_tokens: u.cacheWrite5m + u.cacheWrite1h,
    cache_read_input_tokens: u.cached,
    cache_creation: { ephemeral_5m_input_tokens: u.cacheWrite5m, ephemeral_1h_input_tokens: u.cacheWrite1h },
    output_tokens: u.output + u.reasoning,
    service_tier: 'standard',
  };
}

export function anthropicStopReason(a: Answer): string {
  switch (a.finish) {
    case 'stop':
      return a.stopSequence !== null ? 'stop_sequence' : 'end_turn';
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return a.finish;
  }
}

const SIGNATURE = 'ZmFrZS1zaWduYXR1cmU=';

function contentBlocks(a: Answer): Record<string, unknown>[] {
  const blocks: Record<string, unknown>[] = [];
  if (a.reasoningPieces.length > 0) {
    blocks.push({ type: 'thinking', thinking: a.reasoningPieces.join(''), signature: SIGNATURE });
  }
  if (a.toolCall !== undefined) {
    blocks.push({
      type: 'tool_use',
      id: a.toolCall.id,
      name: a.toolCall.name,
      input: JSON.parse(a.toolCall.arguments) as unknown,
    });
  } else {
    blocks.push({ type: 'text', text: a.text });
  }
  return blocks;
}

export function anthropicMessage(a: Answer, ctx: AnthropicCtx): Record<string, unknown> {
  return {
    id: ctx.id,
    type: 'message',
    role: 'assistant',
    model: ctx.model,
    content: contentBlocks(a),
    stop_reason: anthropicStopReason(a),
    stop_sequence: a.stopSequence,
    usage: anthropicUsage(a.usage),
  };
}

export function anthropicFrames(a: Answer, ctx: AnthropicCtx): Frame[] {
  const startUsage = { ...anthropicUsage(a.usage), output_tokens: 1 };
  const frames: Frame[] = [
    sseEvent('message_start', {
      type: 'message_start',
      message: {
        id: ctx.id,
        type: 'message',
        role: 'assistant',
        model: ctx.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: startUsage,
      },
    }),
    sseEvent('ping', { type: 'ping' }),
  ];
  let index = 0;
  const delta = (d: unknown, content = true) =>
    frames.push(sseEvent('content_block_delta', { type: 'content_block_delta', index, delta: d }, content));
  const start = (block: unknown) =>
    frames.push(
      sseEvent('content_block_start', { type: 'content_block_start', index, content_block: block }),
    );
  const stop = () => {
    frames.push(sseEvent('content_block_stop', { type: 'content_block_stop', index }));
    index++;
  };

  if (a.reasoningPieces.length > 0) {
    start({ type: 'thinking', thinking: '', signature: '' });
    for (const p of a.reasoningPieces) delta({ type: 'thinking_delta', thinking: p });
    delta({ type: 'signature_delta', signature: SIGNATURE }, false);
    stop();
  }
  if (a.toolCall !== undefined) {
    start({ type: 'tool_use', id: a.toolCall.id, name: a.toolCall.name, input: {} });
    for (const f of a.toolCall.fragments) delta({ type: 'input_json_delta', partial_json: f });
    stop();
  } else {
    start({ type: 'text', text: '' });
    for (const p of a.pieces) delta({ type: 'text_delta', text: p });
    stop();
  }
  const u = anthropicUsage(a.usage);
  frames.push(
    sseEvent('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: anthropicStopReason(a), stop_sequence: a.stopSequence },
      usage: {
        input_tokens: u.input_tokens,
        cache_creation_input_tokens: u.cache_creation_input_tokens,
        cache_read_input_tokens: u.cache_read_input_tokens,
        output_tokens: u.output_tokens,
      },
    }),
    sseEvent('message_stop', { type: 'message_stop' }),
  );
  return frames;
}

const ERROR_TYPES: Record<number, [string, string]> = {
  400: ['invalid_request_error', 'Invalid request.'],
  401: ['authentication_error', 'invalid x-api-key'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'Not found.'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: ['rate_limit_error', 'Number of requests has exceeded your rate limit.'],
  500: ['api_error', 'Internal server error.'],
  529: ['overloaded_error', 'Overloaded'],
};

export function anthropicError(status: number, message?: string, requestId = 'req_fake'): string {
  const d = ERROR_TYPES[status] ?? [
    status >= 500 ? 'api_error' : 'invalid_request_error',
    `Fake upstream error ${status}.`,
  ];
  return JSON.stringify({
    type: 'error',
    error: { type: d[0], message: message ?? d[1] },
    request_id: requestId,
  });
}

export const ANTHROPIC_MODELS = [
  'claude-opus-4-1',
  'claude-sonnet-4-5',
  'claude-haiku-4-5',
  'claude-3-5-haiku-latest',
];

export function anthropicModelList(): string {
  const data = ANTHROPIC_MODELS.map((id) => ({
    type: 'model',
    id,
    display_name: id,
    created_at: '2025-01-01T00:00:00Z',
  }));
  return JSON.stringify({
    data,
    has_more: false,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  });
}
