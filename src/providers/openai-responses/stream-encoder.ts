/**
 * Canonical stream events → the Responses API's typed SSE events for a client: response.created and
 * response.in_progress, then per output item output_item.added → (content_part.added → output_text.delta …
 * → output_text.done → content_part.done | function_call_arguments.delta … → .done) → output_item.done,
 * and finally response.completed (or response.incomplete) with the whole response and its usage. Every
 * event carries a `sequence_number`. Reasoning of another dialect is not rendered (its tokens are counted).
 */
import type { PennyError } from '../../core/errors.js';
import type { CanonicalRequest } from '../../core/request.js';
import type { Finish, StreamEvent } from '../../core/response.js';
import type { Usage } from '../../core/usage.js';
import type { StreamEncoder } from '../dialect.js';
import { openaiErrorType } from '../openai/render-error.js';
import type { JsonObject } from '../openai/wire-guards.js';
import { redactSecrets } from '../redact.js';
import { sse } from '../sse.js';
import {
  functionCallIdOf,
  messageIdOf,
  outputTextPart,
  responseIdOf,
  responseObject,
  statusOf,
} from './render-response.js';

interface OpenItem {
  outputIndex: number;
  item: JsonObject;
  /** Message items: the open content part (text or refusal) and its index. */
  part?: { kind: 'text' | 'refusal'; index: number; text: string };
  /** Function-call items: arguments so far. */
  args?: string;
}

class ResponsesStreamEncoder implements StreamEncoder {
  private seq = 0;
  private id = '';
  private model: string;
  private created = 0;
  private started = false;
  private messages = 0;
  private current: OpenItem | null = null;
  private readonly tools = new Map<number, OpenItem>();
  private readonly done: JsonObject[] = [];
  private finish: Finish | undefined;
  private usage: Usage | null = null;

  constructor(private readonly req: CanonicalRequest) {
    this.model = req.model;
  }

  encode(ev: StreamEvent): string {
    switch (ev.type) {
      case 'start':
        if (this.started) return '';
        this.id = responseIdOf(ev.id);
        if (ev.model !== '') this.model = ev.model;
        this.created = ev.created;
        return this.begin();
      case 'text':
        return this.begin() + this.partDelta('text', ev.text);
      case 'refusal':
        return this.begin() + this.partDelta('refusal', ev.text);
      case 'tool_call_start': {
        let out = this.begin() + this.closeCurrent();
        const item: JsonObject = {
          type: 'function_call',
          id: functionCallIdOf(ev.id),
          call_id: ev.id,
          name: ev.name,
          arguments: '',
          status: 'in_progress',
        };
        const open: OpenItem = { outputIndex: this.nextIndex(), item, args: '' };
        this.current = open;
        this.tools.set(ev.toolIndex, open);
        out += this.event('response.output_item.added', {
          output_index: open.outputIndex,
          item: { ...item },
        });
        return out;
      }
      case 'tool_call_delta': {
        const open = this.tools.get(ev.toolIndex);
        if (open === undefined || ev.argumentsDelta === '') return '';
        open.args += ev.argumentsDelta;
        return this.event('response.function_call_arguments.delta', {
          item_id: open.item.id,
          output_index: open.outputIndex,
          delta: ev.argumentsDelta,
        });
      }
      case 'finish':
        this.finish = ev.finish;
        return '';
      case 'usage':
        this.usage = ev.usage;
        return '';
      case 'error':
        return sse(
          JSON.stringify({
            type: 'error',
            code: ev.code,
            message: ev.message,
            param: null,
            sequence_number: this.seq++,
          }),
          'error',
        );
      case 'end': {
        let out = this.begin() + this.closeCurrent();
        const { status, incomplete } = statusOf(this.finish);
        const response = this.snapshot(status, incomplete, this.done, this.usage);
        out += this.event(status === 'completed' ? 'response.completed' : 'response.incomplete', {
          response,
        });
        return out;
      }
      case 'reasoning':
      case 'logprobs':
        return '';
    }
  }

  private begin(): string {
    if (this.started) return '';
    this.started = true;
    if (this.id === '') this.id = responseIdOf(`penny${this.created}`);
    const response = this.snapshot('in_progress', null, [], null);
    return this.event('response.created', { response }) + this.event('response.in_progress', { response });
  }

  private snapshot(status: string, incomplete: JsonObject | null, output: JsonObject[], usage: Usage | null) {
    return responseObject(
      {
        id: this.id,
        model: this.model,
        createdAt: this.created,
        status,
        incomplete,
        output,
        usage,
        completedAt: status === 'completed' ? this.created : null,
      },
      this.req,
    );
  }

  private nextIndex(): number {
    return this.done.length + (this.current === null ? 0 : 1);
  }

  private partDelta(kind: 'text' | 'refusal', delta: string): string {
    let out = '';
    if (this.current?.item.type !== 'message') {
      out += this.closeCurrent();
      const item: JsonObject = {
        type: 'message',
        id: messageIdOf(this.id, this.messages++),
        status: 'in_progress',
        role: 'assistant',
        content: [],
      };
      this.current = { outputIndex: this.nextIndex(), item };
      out += this.event('response.output_item.added', {
        output_index: this.current.outputIndex,
        item: { ...item, content: [] },
      });
    }
    const open = this.current;
    if (open.part?.kind !== kind) {
      out += this.closePart(open);
      const index = (open.item.content as JsonObject[]).length;
      open.part = { kind, index, text: '' };
      out += this.event('response.content_part.added', {
        item_id: open.item.id,
        output_index: open.outputIndex,
        content_index: index,
        part: kind === 'text' ? outputTextPart('') : { type: 'refusal', refusal: '' },
      });
    }
    const part = open.part!;
    part.text += delta;
    const name = kind === 'text' ? 'response.output_text.delta' : 'response.refusal.delta';
    const body: JsonObject = {
      item_id: open.item.id,
      output_index: open.outputIndex,
      content_index: part.index,
      delta,
    };
    if (kind === 'text') body.logprobs = [];
    return out + this.event(name, body);
  }

  private closePart(open: OpenItem): string {
    const p = open.part;
    if (p === undefined) return '';
    open.part = undefined;
    const part = p.kind === 'text' ? outputTextPart(p.text) : { type: 'refusal', refusal: p.text };
    (open.item.content as JsonObject[]).push(part);
    const doneEvent =
      p.kind === 'text'
        ? this.event('response.output_text.done', at(open, p.index, { text: p.text, logprobs: [] }))
        : this.event('response.refusal.done', at(open, p.index, { refusal: p.text }));
    return doneEvent + this.event('response.content_part.done', at(open, p.index, { part }));
  }

  private closeCurrent(): string {
    const open = this.current;
    if (open === null) return '';
    this.current = null;
    let out = '';
    const itemStatus = statusOf(this.finish).status === 'incomplete' ? 'incomplete' : 'completed';
    if (open.item.type === 'message') out += this.closePart(open);
    else {
      open.item.arguments = open.args ?? '';
      out += this.event('response.function_call_arguments.done', {
        item_id: open.item.id,
        output_index: open.outputIndex,
        name: open.item.name,
        arguments: open.args ?? '',
      });
    }
    open.item.status = open.item.type === 'message' ? itemStatus : 'completed';
    this.done.push(open.item);
    return out + this.event('response.output_item.done', { output_index: open.outputIndex, item: open.item });
  }

  private event(type: string, body: JsonObject): string {
    return sse(JSON.stringify({ type, ...body, sequence_number: this.seq++ }), type);
  }
}

export function createStreamEncoder(req: CanonicalRequest): StreamEncoder {
  return new ResponsesStreamEncoder(req);
}

/** An `error` event, what OpenAI sends when a Responses stream fails after it started. */
export function encodeStreamError(err: PennyError): string {
  return sse(
    JSON.stringify({
      type: 'error',
      code: err.code,
      message: redactSecrets(err.message),
      param: null,
      sequence_number: 0,
      error: { type: openaiErrorType(err), code: err.code, message: redactSecrets(err.message) },
    }),
    'error',
  );
}

/** An event body naming a content part's place, then `more` (a literal of its own: no spread clone). */
function at(open: OpenItem, index: number, more: JsonObject): JsonObject {
  return Object.assign({ item_id: open.item.id, output_index: open.outputIndex, content_index: index }, more);
}
