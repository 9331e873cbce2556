/**
 * Upstream `chat.completion.chunk` SSE events → canonical stream events. A tool call is announced by
 * `tool_call_start` the first time its (choice, index) pair appears — OpenAI sends id and name only there —
 * and continued by `tool_call_delta`s. Usage arrives in its own chunk (`choices: []`) when
 * `stream_options.include_usage` was set; some compatible servers repeat it cumulatively, so the last usage
 * event of a stream is the one that counts.
 */
import type { StreamEvent } from '../../core/response.js';
import type { Usage } from '../../core/usage.js';
import type { SseEvent, StreamDecoder } from '../dialect.js';
import { redactSecrets } from '../redact.js';
import { parseUsage } from './convert-usage.js';
import { mapFinishReason } from './map-finish-reason.js';
import { argumentsText } from './parse-response.js';
import { isObject, type JsonObject } from './wire-guards.js';

const CHUNK_FIELDS = new Set(['id', 'object', 'created', 'model', 'choices', 'usage', 'obfuscation']);

class OpenAIStreamDecoder implements StreamDecoder {
  private started = false;
  private usage: Usage | null = null;
  /** choiceIndex * 65536 + toolIndex of every tool call already announced. */
  private readonly toolsSeen = new Set<number>();

  constructor(private readonly provider: string) {}

  decode(ev: SseEvent): StreamEvent[] {
    const data = ev.data;
    if (data === '[DONE]') return [{ type: 'end' }];
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      return [this.error('upstream_bad_response', 'sent a stream event that is not JSON')];
    }
    if (!isObject(chunk))
      return [this.error('upstream_bad_response', 'sent a stream event that is not an object')];
    if (chunk.error !== undefined && chunk.error !== null) return [this.upstreamError(chunk.error)];

    const out: StreamEvent[] = [];
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    const usage = isObject(chunk.usage) ? chunk.usage : undefined;
    if (!this.started && (choices.length > 0 || usage !== undefined)) this.start(chunk, out);
    for (let i = 0; i < choices.length; i++) {
      const c = choices[i];
      if (isObject(c)) this.choice(c, i, out);
    }
    if (usage !== undefined) {
      this.usage = parseUsage(usage);
      out.push({ type: 'usage', usage: this.usage });
    }
    return out;
  }

  reportedUsage(): Usage | null {
    return this.usage;
  }

  private start(chunk: JsonObject, out: StreamEvent[]): void {
    this.started = true;
    const ev: StreamEvent & { type: 'start' } = {
      type: 'start',
      id: typeof chunk.id === 'string' ? chunk.id : '',
      model: typeof chunk.model === 'string' ? chunk.model : '',
      created: typeof chunk.created === 'number' ? chunk.created : 0,
    };
    for (const key of Object.keys(chunk)) {
      if (CHUNK_FIELDS.has(key)) continue;
      if (ev.extra === undefined) ev.extra = {};
      ev.extra[key] = chunk[key];
    }
    out.push(ev);
  }

  private choice(c: JsonObject, position: number, out: StreamEvent[]): void {
    const index = typeof c.index === 'number' ? c.index : position;
    const delta = isObject(c.delta) ? c.delta : undefined;
    if (delta !== undefined) {
      const reasoning = delta.reasoning_content;
      if (typeof reasoning === 'string' && reasoning !== '')
        out.push({ type: 'reasoning', index, text: reasoning });
      const content = delta.content;
      if (typeof content === 'string' && content !== '') out.push({ type: 'text', index, text: content });
      const refusal = delta.refusal;
      if (typeof refusal === 'string' && refusal !== '') out.push({ type: 'refusal', index, text: refusal });
      if (Array.isArray(delta.tool_calls)) this.toolCalls(delta.tool_calls, index, out);
    }
    if (c.logprobs !== undefined && c.logprobs !== null)
      out.push({ type: 'logprobs', index, logprobs: c.logprobs });
    if (typeof c.finish_reason === 'string') {
      out.push({ type: 'finish', index, finish: mapFinishReason(c.finish_reason) });
    }
  }

  private toolCalls(calls: unknown[], index: number, out: StreamEvent[]): void {
    for (let j = 0; j < calls.length; j++) {
      const tc = calls[j];
      if (!isObject(tc)) continue;
      const toolIndex = typeof tc.index === 'number' ? tc.index : j;
      const fn = isObject(tc.function) ? tc.function : undefined;
      const key = index * 65536 + toolIndex;
      if (!this.toolsSeen.has(key)) {
        this.toolsSeen.add(key);
        out.push({
          type: 'tool_call_start',
          index,
          toolIndex,
          id: typeof tc.id === 'string' ? tc.id : '',
          name: typeof fn?.name === 'string' ? fn.name : '',
        });
      }
      const args = argumentsText(fn?.arguments);
      if (args !== '') out.push({ type: 'tool_call_delta', index, toolIndex, argumentsDelta: args });
    }
  }

  private error(code: string, what: string): StreamEvent {
    return { type: 'error', code, message: `${this.provider} ${what}` };
  }

  private upstreamError(err: unknown): StreamEvent {
    const message = isObject(err) && typeof err.message === 'string' ? err.message : JSON.stringify(err);
    return {
      type: 'error',
      code: 'upstream_error',
      message: redactSecrets(`${this.provider} stream error: ${message}`),
    };
  }
}

export function createStreamDecoder(provider: string): StreamDecoder {
  return new OpenAIStreamDecoder(provider);
}
