/**
 * An Anthropic `message` response → the canonical response (one choice, index 0). Anthropic has no
 * `created` timestamp and codecs read no clock, so `created` is 0 for the caller to stamp. Blocks Penny
 * does not model (server tool use, search results, text with citations …) are kept verbatim as `raw`.
 */
import { ProviderError } from '../../core/errors.js';
import type { ContentPart } from '../../core/request.js';
import type { CanonicalResponse } from '../../core/response.js';
import { parseUsage } from './convert-usage.js';
import { mapStopReason } from './map-stop-reason.js';
import { isRecord, type Json } from './wire.js';

const KNOWN = new Set(['id', 'type', 'role', 'model', 'content', 'stop_reason', 'stop_sequence', 'usage']);

/** One response content block → a canonical part (shared with the stream decoder's start blocks). */
export function parseResponseBlock(b: Json): ContentPart {
  switch (b.type) {
    case 'text':
      if (
        typeof b.text === 'string' &&
        (b.citations == null || (Array.isArray(b.citations) && !b.citations.length))
      ) {
        return { type: 'text', text: b.text };
      }
      break;
    case 'tool_use':
      if (typeof b.id === 'string' && typeof b.name === 'string') {
        return { type: 'tool_call', id: b.id, name: b.name, arguments: JSON.stringify(b.input ?? {}) };
      }
      break;
    case 'thinking':
      if (typeof b.thinking === 'string') {
        return typeof b.signature === 'string'
          ? { type: 'reasoning', text: b.thinking, signature: b.signature }
          : { type: 'reasoning', text: b.thinking };
      }
      break;
    case 'redacted_thinking':
      if (typeof b.data === 'string') return { type: 'reasoning', text: '', redactedData: b.data };
      break;
  }
  return { type: 'raw', dialect: 'anthropic', value: b };
}

export function parseResponse(body: unknown, provider: string): CanonicalResponse {
  if (!isRecord(body) || typeof body.id !== 'string' || !Array.isArray(body.content)) {
    throw new ProviderError(
      'upstream_bad_response',
      provider,
      `${provider} returned a body that is not an Anthropic message (expected id and content[])`,
    );
  }
  const content: ContentPart[] = new Array(body.content.length);
  for (let i = 0; i < body.content.length; i++) {
    const b: unknown = body.content[i];
    if (!isRecord(b)) {
      throw new ProviderError(
        'upstream_bad_response',
        provider,
        `${provider} returned content[${i}] that is not a block`,
      );
    }
    content[i] = parseResponseBlock(b);
  }
  const stopReason = typeof body.stop_reason === 'string' ? body.stop_reason : null;
  const res: CanonicalResponse = {
    id: body.id,
    model: typeof body.model === 'string' ? body.model : '',
    created: 0,
    choices: [{ index: 0, content, finish: mapStopReason(stopReason) }],
    usage: isRecord(body.usage) ? parseUsage(body.usage) : null,
    stopSequence: typeof body.stop_sequence === 'string' ? body.stop_sequence : null,
    sourceDialect: 'anthropic',
  };
  for (const k in body) {
    if (KNOWN.has(k)) continue;
    if (!res.extra) res.extra = {};
    res.extra[k] = body[k];
  }
  return res;
}
