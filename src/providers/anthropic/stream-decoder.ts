/**
 * Anthropic Messages SSE → canonical stream events. Usage is split across the stream: `message_start`
 * carries the input side and `message_delta` the output side (and, in newer API versions, final input and
 * cache counts), so the two are merged field by field, latest non-null value winning, and one `usage`
 * event is emitted at `message_delta` (or at `message_stop` if no delta came). Tool calls are numbered in
 * the order their `tool_use` blocks open; server-tool blocks are not surfaced as tool calls.
 */
import { ProviderError } from '../../core/errors.js';
import type { StreamEvent } from '../../core/response.js';
import type { Usage } from '../../core/usage.js';
import type { SseEvent, StreamDecoder } from '../dialect.js';
import { redactSecrets } from '../redact.js';
import { parseUsage } from './convert-usage.js';
import { errorCodeOfType } from './error-types.js';
import { mapStopReason } from './map-stop-reason.js';
import { isRecord, type Json } from './wire.js';

export class AnthropicStreamDecoder implements StreamDecoder {
  private readonly provider: string;
  private usage: Json | undefined;
  private usageSent = false;
  /** Content-block index → tool index, for tool_use blocks only. */
  private readonly toolOfBlock = new Map<number, number>();
  private tools = 0;

  constructor(provider: string) {
    this.provider = provider;
  }

  decode(ev: SseEvent): StreamEvent[] {
    if (ev.event === 'ping') return [];
    let data: unknown;
    try {
      data = JSON.parse(ev.data);
    } catch (e) {
      throw new ProviderError(
        'upstream_bad_response',
        this.provider,
        `${this.provider} sent a stream event that is not JSON`,
        {
          cause: e,
        },
      );
    }
    if (!isRecord(data)) return [];
    switch (data.type ?? ev.event) {
      case 'message_start':
        return this.start(data.message);
      case 'content_block_start':
        return this.blockStart(data);
      case 'content_block_delta':
        return this.blockDelta(data);
      case 'message_delta':
        return this.messageDelta(data);
      case 'message_stop': {
        const out = this.flushUsage(!this.usageSent);
        out.push({ type: 'end' });
        return out;
      }
      case 'error': {
        const err = isRecord(data.error) ? data.error : {};
        const type = typeof err.type === 'string' ? err.type : undefined;
        const message = typeof err.message === 'string' ? err.message : 'stream error';
        return [
          {
            type: 'error',
            code: errorCodeOfType(type),
            message: redactSecrets(message),
            ...(type === undefined ? {} : { upstreamType: type }),
          },
        ];
      }
      default:
        return []; // ping, content_block_stop, future event types
    }
  }

  reportedUsage(): Usage | null {
    return this.usage === undefined ? null : parseUsage(this.usage);
  }

  private start(m: unknown): StreamEvent[] {
    if (!isRecord(m)) {
      throw new ProviderError(
        'upstream_bad_response',
        this.provider,
        `${this.provider} sent message_start without a message`,
      );
    }
    if (isRecord(m.usage)) this.mergeUsage(m.usage);
    return [
      {
        type: 'start',
        id: typeof m.id === 'string' ? m.id : '',
        model: typeof m.model === 'string' ? m.model : '',
        created: 0,
      },
    ];
  }

  private blockStart(d: Json): StreamEvent[] {
    const b = d.content_block;
    const index = typeof d.index === 'number' ? d.index : -1;
    if (!isRecord(b)) return [];
    switch (b.type) {
      case 'text':
        return typeof b.text === 'string' && b.text !== '' ? [{ type: 'text', index: 0, text: b.text }] : [];
      case 'thinking':
        return typeof b.thinking === 'string' && b.thinking !== ''
          ? [{ type: 'reasoning', index: 0, text: b.thinking }]
          : [];
      case 'tool_use': {
        const toolIndex = this.tools++;
        this.toolOfBlock.set(index, toolIndex);
        const out: StreamEvent[] = [
          {
            type: 'tool_call_start',
            index: 0,
            toolIndex,
            id: typeof b.id === 'string' ? b.id : '',
            name: typeof b.name === 'string' ? b.name : '',
          },
        ];
        // Input normally streams as input_json_delta from {}; a pre-filled input is sent as one delta.
        if (isRecord(b.input) && Object.keys(b.input).length > 0) {
          out.push({ type: 'tool_call_delta', index: 0, toolIndex, argumentsDelta: JSON.stringify(b.input) });
        }
        return out;
      }
      default:
        return [];
    }
  }

  private blockDelta(d: Json): StreamEvent[] {
    const delta = d.delta;
    if (!isRecord(delta)) return [];
    switch (delta.type) {
      case 'text_delta':
        return typeof delta.text === 'string' && delta.text !== ''
          ? [{ type: 'text', index: 0, text: delta.text }]
          : [];
      case 'thinking_delta':
        return typeof delta.thinking === 'string' && delta.thinking !== ''
          ? [{ type: 'reasoning', index: 0, text: delta.thinking }]
          : [];
      case 'signature_delta':
        return typeof delta.signature === 'string'
          ? [{ type: 'reasoning', index: 0, text: '', signature: delta.signature }]
          : [];
      case 'input_json_delta': {
        const toolIndex = typeof d.index === 'number' ? this.toolOfBlock.get(d.index) : undefined;
        if (toolIndex === undefined || typeof delta.partial_json !== 'string' || delta.partial_json === '')
          return [];
        return [{ type: 'tool_call_delta', index: 0, toolIndex, argumentsDelta: delta.partial_json }];
      }
      default:
        return []; // citations_delta and future delta types
    }
  }

  private messageDelta(d: Json): StreamEvent[] {
    const out: StreamEvent[] = [];
    const delta = isRecord(d.delta) ? d.delta : {};
    if (delta.stop_reason !== undefined) {
      const raw = typeof delta.stop_reason === 'string' ? delta.stop_reason : null;
      const stopSequence = typeof delta.stop_sequence === 'string' ? delta.stop_sequence : null;
      out.push({ type: 'finish', index: 0, finish: mapStopReason(raw), stopSequence });
    }
    if (isRecord(d.usage)) this.mergeUsage(d.usage);
    return out.concat(this.flushUsage(this.usage !== undefined));
  }

  private mergeUsage(u: Json): void {
    if (this.usage === undefined) {
      this.usage = { ...u };
      return;
    }
    for (const k in u) {
      const v = u[k];
      if (v !== null && v !== undefined) this.usage[k] = v;
    }
  }

  private flushUsage(when: boolean): StreamEvent[] {
    if (!when || this.usage === undefined) return [];
    this.usageSent = true;
    return [{ type: 'usage', usage: parseUsage(this.usage) }];
  }
}
