/**
 * An OpenAI Responses API SSE stream from an upstream → canonical stream events. The stream has no
 * `[DONE]`: `response.completed` (or `.incomplete` / `.failed`) is the last event, and it carries the
 * usage. Function calls are numbered by their output index, which is stable for the whole stream.
 */
import type { StreamEvent } from '../../core/response.js';
import type { Usage } from '../../core/usage.js';
import type { SseEvent, StreamDecoder } from '../dialect.js';
import { isObject } from '../openai/wire-guards.js';
import { parseResponsesUsage } from './convert-usage.js';
import { finishOf } from './parse-response.js';

class ResponsesStreamDecoder implements StreamDecoder {
  private calledTool = false;
  private usage: Usage | null = null;
  private started = false;

  constructor(private readonly provider: string) {}

  /** The Responses API reports usage only in its last event. */
  reportedUsage(): Usage | null {
    return this.usage;
  }

  decode(ev: SseEvent): StreamEvent[] {
    let d: unknown;
    try {
      d = JSON.parse(ev.data);
    } catch {
      return [];
    }
    if (!isObject(d)) return [];
    const type = typeof d.type === 'string' ? d.type : ev.event;
    const out: StreamEvent[] = [];
    const index = typeof d.output_index === 'number' ? d.output_index : 0;
    switch (type) {
      case 'response.created': {
        const r = isObject(d.response) ? d.response : {};
        this.started = true;
        out.push({
          type: 'start',
          id: typeof r.id === 'string' ? r.id : '',
          model: typeof r.model === 'string' ? r.model : '',
          created: typeof r.created_at === 'number' ? Math.floor(r.created_at) : 0,
        });
        break;
      }
      case 'response.output_item.added': {
        const item = isObject(d.item) ? d.item : {};
        if (item.type === 'function_call') {
          this.calledTool = true;
          out.push({
            type: 'tool_call_start',
            index: 0,
            toolIndex: index,
            id: typeof item.call_id === 'string' ? item.call_id : '',
            name: typeof item.name === 'string' ? item.name : '',
          });
        }
        break;
      }
      case 'response.output_text.delta':
        if (typeof d.delta === 'string') out.push({ type: 'text', index: 0, text: d.delta });
        break;
      case 'response.refusal.delta':
        if (typeof d.delta === 'string') out.push({ type: 'refusal', index: 0, text: d.delta });
        break;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        if (typeof d.delta === 'string') out.push({ type: 'reasoning', index: 0, text: d.delta });
        break;
      case 'response.function_call_arguments.delta':
        if (typeof d.delta === 'string')
          out.push({ type: 'tool_call_delta', index: 0, toolIndex: index, argumentsDelta: d.delta });
        break;
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed': {
        const r = isObject(d.response) ? d.response : {};
        if (type === 'response.failed') {
          const e = isObject(r.error) ? r.error : {};
          out.push({
            type: 'error',
            code: typeof e.code === 'string' ? e.code : 'upstream_error',
            message: typeof e.message === 'string' ? e.message : `${this.provider}: the response failed`,
          });
          break;
        }
        if (!this.started)
          out.push({ type: 'start', id: String(r.id ?? ''), model: String(r.model ?? ''), created: 0 });
        out.push({
          type: 'finish',
          index: 0,
          finish: finishOf(r.status, r.incomplete_details, this.calledTool),
        });
        if (isObject(r.usage)) {
          this.usage = parseResponsesUsage(r.usage);
          out.push({ type: 'usage', usage: this.usage });
        }
        out.push({ type: 'end' });
        break;
      }
      case 'error':
        out.push({
          type: 'error',
          code: typeof d.code === 'string' ? d.code : 'upstream_error',
          message: typeof d.message === 'string' ? d.message : 'error',
        });
        break;
    }
    return out;
  }
}

export function createStreamDecoder(provider: string): StreamDecoder {
  return new ResponsesStreamDecoder(provider);
}
