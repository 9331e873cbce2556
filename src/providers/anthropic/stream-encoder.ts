/**
 * Canonical stream events → Anthropic Messages SSE for a client. Content blocks are opened and closed as
 * the kind of output switches (text, thinking, each tool call). The non-obvious part is the ending: an
 * OpenAI upstream sends its finish reason BEFORE its usage chunk, while Anthropic puts both in one
 * `message_delta`, so the delta is held back until usage arrives or the stream ends. The provider's input
 * count is not known at `message_start`, so Penny's own count of the prompt goes there (clients read the
 * prompt size from it); the provider's final counts go in `message_delta`, which the Anthropic SDK prefers. Only choice 0 is rendered. Tool-call deltas must follow their own start, as OpenAI sends
 * them; a delta for a tool block that was already closed cannot be expressed and is dropped.
 */
import type { CanonicalRequest } from '../../core/request.js';
import type { Finish, StreamEvent } from '../../core/response.js';
import type { Usage } from '../../core/usage.js';
import { countRequestTokens } from '../../tokens/index.js';
import type { StreamEncoder } from '../dialect.js';
import { redactSecrets } from '../redact.js';
import { sse } from '../sse.js';
import { errorTypeOfCode } from './error-types.js';
import { toAnthropicStopReason } from './map-stop-reason.js';
import { messageId } from './render-response.js';
import type { Json } from './wire.js';

type Open = { kind: 'text' } | { kind: 'thinking' } | { kind: 'tool'; toolIndex: number } | undefined;

function event(name: string, payload: Json): string {
  return sse(JSON.stringify(payload), name);
}

export class AnthropicStreamEncoder implements StreamEncoder {
  private readonly model: string;
  private started = false;
  private done = false;
  private open: Open;
  private nextBlock = 0;
  private finish: { finish: Finish; stopSequence: string | null } | undefined;
  private usage: Usage | undefined;
  private deltaSent = false;

  constructor(private readonly req: CanonicalRequest) {
    this.model = req.model;
  }

  encode(ev: StreamEvent): string {
    if (this.done) return '';
    switch (ev.type) {
      case 'start':
        return this.start(ev.id, ev.model);
      case 'text':
      case 'refusal':
        if (ev.index !== 0 || ev.text === '') return '';
        return `${this.ensure({ kind: 'text' })}${this.delta({ type: 'text_delta', text: ev.text })}`;
      case 'reasoning': {
        if (ev.index !== 0) return '';
        let s = this.ensure({ kind: 'thinking' });
        if (ev.text !== '') s += this.delta({ type: 'thinking_delta', thinking: ev.text });
        if (ev.signature !== undefined) s += this.delta({ type: 'signature_delta', signature: ev.signature });
        return s;
      }
      case 'tool_call_start': {
        if (ev.index !== 0) return '';
        let s = this.start('', '') + this.close();
        s += event('content_block_start', {
          type: 'content_block_start',
          index: this.nextBlock,
          content_block: { type: 'tool_use', id: ev.id, name: ev.name, input: {} },
        });
        this.open = { kind: 'tool', toolIndex: ev.toolIndex };
        return s;
      }
      case 'tool_call_delta':
        if (ev.index !== 0 || ev.argumentsDelta === '') return '';
        if (this.open?.kind !== 'tool' || this.open.toolIndex !== ev.toolIndex) return '';
        return this.delta({ type: 'input_json_delta', partial_json: ev.argumentsDelta });
      case 'finish':
        if (ev.index !== 0) return '';
        this.finish = { finish: ev.finish, stopSequence: ev.stopSequence ?? null };
        return this.start('', '') + this.close() + (this.usage ? this.messageDelta() : '');
      case 'usage':
        this.usage = ev.usage;
        return this.finish && !this.deltaSent ? this.messageDelta() : '';
      case 'error':
        this.done = true;
        return event('error', {
          type: 'error',
          error: { type: errorTypeOfCode(ev.code), message: redactSecrets(ev.message) },
        });
      case 'end': {
        const s = this.start('', '') + this.close() + this.messageDelta();
        this.done = true;
        return `${s}${event('message_stop', { type: 'message_stop' })}`;
      }
      default:
        return ''; // logprobs have no Anthropic form
    }
  }

  private start(id: string, model: string): string {
    if (this.started) return '';
    this.started = true;
    return event('message_start', {
      type: 'message_start',
      message: {
        id: messageId(id || 'penny'),
        type: 'message',
        role: 'assistant',
        model: model || this.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: countRequestTokens(this.req, this.model).tokens,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 0,
        },
      },
    });
  }

  /** Closes the open block (if any) and opens one of `want`'s kind unless it is already open. */
  private ensure(want: { kind: 'text' } | { kind: 'thinking' }): string {
    if (this.open?.kind === want.kind) return '';
    const s = this.start('', '') + this.close();
    const block =
      want.kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
    this.open = want;
    return `${s}${event('content_block_start', { type: 'content_block_start', index: this.nextBlock, content_block: block })}`;
  }

  private delta(delta: Json): string {
    return event('content_block_delta', { type: 'content_block_delta', index: this.nextBlock, delta });
  }

  private close(): string {
    if (!this.open) return '';
    this.open = undefined;
    return event('content_block_stop', { type: 'content_block_stop', index: this.nextBlock++ });
  }

  private messageDelta(): string {
    if (this.deltaSent) return '';
    this.deltaSent = true;
    const f = this.finish;
    const u = this.usage;
    const usage: Json = u
      ? {
          input_tokens: u.inputUncached,
          cache_creation_input_tokens: u.cacheWrite5m + u.cacheWrite1h,
          cache_read_input_tokens: u.cacheRead,
          output_tokens: u.outputText + u.reasoning,
        }
      : { output_tokens: 0 };
    // The TTL split is only sent when there are 1-hour writes (a client reading the total alone is right otherwise).
    if (u && u.cacheWrite1h > 0)
      usage.cache_creation = {
        ephemeral_5m_input_tokens: u.cacheWrite5m,
        ephemeral_1h_input_tokens: u.cacheWrite1h,
      };
    if (u && u.reasoning > 0) usage.output_tokens_details = { thinking_tokens: u.reasoning };
    return event('message_delta', {
      type: 'message_delta',
      delta: {
        stop_reason: f ? toAnthropicStopReason(f.finish, f.stopSequence) : 'end_turn',
        stop_sequence: f?.stopSequence ?? null,
      },
      usage,
    });
  }
}
