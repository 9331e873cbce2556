/**
 * Canonical stream events → OpenAI `chat.completion.chunk` SSE text for a client. Two things are not
 * obvious: tool-call indexes are renumbered 0, 1, 2 … per choice (another dialect may number tool calls by
 * content-block position, and the OpenAI SDKs index an array with them); and the usage chunk is written only
 * when the client itself asked for it, because Penny always asks the upstream for usage.
 */
import type { CanonicalRequest } from '../../core/request.js';
import type { StreamEvent } from '../../core/response.js';
import type { StreamEncoder } from '../dialect.js';
import { sse } from '../sse.js';
import { renderUsage } from './convert-usage.js';
import { toOpenAIFinishReason } from './map-finish-reason.js';
import type { JsonObject } from './wire-guards.js';

const DONE = 'data: [DONE]\n\n';
/** Chunk-level fields worth passing on from an upstream's first chunk. */
const PASSED_ON = ['system_fingerprint', 'service_tier'] as const;

class OpenAIStreamEncoder implements StreamEncoder {
  private id = '';
  private model: string;
  private created = 0;
  private passedOn: JsonObject | undefined;
  private readonly roleSent = new Set<number>();
  /** choiceIndex * 65536 + incoming toolIndex → OpenAI tool_calls index. */
  private readonly toolSlots = new Map<number, number>();
  private readonly toolCounts = new Map<number, number>();

  constructor(private readonly req: CanonicalRequest) {
    this.model = req.model;
  }

  encode(ev: StreamEvent): string {
    switch (ev.type) {
      case 'start':
        this.id = ev.id;
        if (ev.model !== '') this.model = ev.model;
        this.created = ev.created;
        if (ev.extra !== undefined) {
          for (const k of PASSED_ON) {
            if (ev.extra[k] === undefined) continue;
            if (this.passedOn === undefined) this.passedOn = {};
            this.passedOn[k] = ev.extra[k];
          }
        }
        return this.chunk(0, this.delta(0, { content: '' }), null);
      case 'text':
        return this.chunk(ev.index, this.delta(ev.index, { content: ev.text }), null);
      case 'refusal':
        return this.chunk(ev.index, this.delta(ev.index, { refusal: ev.text }), null);
      case 'tool_call_start': {
        const slot = this.slot(ev.index, ev.toolIndex);
        const call = { index: slot, id: ev.id, type: 'function', function: { name: ev.name, arguments: '' } };
        return this.chunk(ev.index, this.delta(ev.index, { tool_calls: [call] }), null);
      }
      case 'tool_call_delta': {
        const call = { index: this.slot(ev.index, ev.toolIndex), function: { arguments: ev.argumentsDelta } };
        return this.chunk(ev.index, this.delta(ev.index, { tool_calls: [call] }), null);
      }
      case 'logprobs':
        return this.chunk(ev.index, this.delta(ev.index, {}), null, ev.logprobs);
      case 'finish':
        return this.chunk(ev.index, this.delta(ev.index, {}), toOpenAIFinishReason(ev.finish));
      case 'usage':
        if (!this.req.streamUsage) return '';
        {
          // The head's own object takes the members (a spread clone would build a map per member added).
          const last = this.head();
          last.choices = [];
          last.usage = renderUsage(ev.usage);
          return sse(JSON.stringify(last));
        }
      case 'error':
        return sse(JSON.stringify({ error: { message: ev.message, type: 'server_error', code: ev.code } }));
      case 'end':
        return DONE;
      case 'reasoning':
        return '';
    }
  }

  private head(): JsonObject {
    const h: JsonObject = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
    };
    if (this.passedOn !== undefined) Object.assign(h, this.passedOn);
    return h;
  }

  private delta(index: number, d: JsonObject): JsonObject {
    if (this.roleSent.has(index)) return d;
    this.roleSent.add(index);
    return { role: 'assistant', ...d };
  }

  private slot(index: number, toolIndex: number): number {
    const key = index * 65536 + toolIndex;
    let slot = this.toolSlots.get(key);
    if (slot === undefined) {
      slot = this.toolCounts.get(index) ?? 0;
      this.toolCounts.set(index, slot + 1);
      this.toolSlots.set(key, slot);
    }
    return slot;
  }

  private chunk(index: number, delta: JsonObject, finish: string | null, logprobs: unknown = null): string {
    const h = this.head();
    h.choices = [{ index, delta, logprobs, finish_reason: finish }];
    // With include_usage, OpenAI sends `usage: null` on every chunk but the last.
    if (this.req.streamUsage) h.usage = null;
    return sse(JSON.stringify(h));
  }
}

export function createStreamEncoder(req: CanonicalRequest): StreamEncoder {
  return new OpenAIStreamEncoder(req);
}
