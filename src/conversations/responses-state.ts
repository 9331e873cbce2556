/**
 * Conversation state for the Responses API, kept by Penny whichever provider serves each turn:
 * - before a request, `previous_response_id` is expanded into the input (the stored input of that response,
 *   then its output items, then the new input), so any upstream — OpenAI, Chat Completions servers or
 *   Claude — sees the whole conversation; an unknown id is a 404 like OpenAI's;
 * - after it, the response the client received is stored under its id (unless `store: false`), for the
 *   next turn and for `GET /v1/responses/{id}`.
 * Instructions are not carried over from one turn to the next (OpenAI's rule).
 */
import { assignItemIds, withoutPennyIds } from './input-items.js';
import { PennyError } from '../core/errors.js';
import type { Logger } from '../observability/logger.js';
import type { ResponseSink } from '../pipeline/context.js';
import { CaptureSink } from './capture-sink.js';
import { EchoPreviousSink } from './echo-previous-sink.js';
import type { ResponseStore } from './response-store.js';

/** Largest response kept for later turns (a bigger one is still answered, just not stored). */
const MAX_CAPTURE_BYTES = 8 * 1024 * 1024;

type Body = Record<string, unknown>;

export interface Prepared {
  /** The body to hand the gateway (history expanded). */
  body: unknown;
  /** Wraps the client's sink so the answer is stored; identity when nothing is stored. */
  wrap(sink: ResponseSink): ResponseSink;
}

function isBody(v: unknown): v is Body {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function inputItems(input: unknown): unknown[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  return Array.isArray(input) ? input : [];
}

/** Output items of a stored response, as input items for the next turn. */
function outputAsInput(response: Body): unknown[] {
  return Array.isArray(response.output) ? response.output : [];
}

export class ResponsesState {
  constructor(
    readonly store: ResponseStore,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws a PennyError (404) when `previous_response_id` names no stored response. */
  async prepare(body: unknown): Promise<Prepared> {
    if (!isBody(body)) return { body, wrap: (s) => s };
    let input = inputItems(body.input);
    let expanded = body;
    let historyLength = 0;
    const prev = body.previous_response_id;
    if (typeof prev === 'string' && prev !== '') {
      const stored = await this.store.get(prev);
      if (!stored)
        throw new PennyError('not_found', `Previous response with id '${prev.slice(0, 200)}' not found.`, {
          param: 'previous_response_id',
        });
      const history = [...stored.input, ...outputAsInput(stored.response)];
      historyLength = history.length;
      input = [...history, ...input];
      // The stored history carries the item ids Penny gave it (for input_items); the provider never sees them.
      expanded = { ...body, input: withoutPennyIds(input) };
    }
    const echo = (sink: ResponseSink) =>
      typeof prev === 'string' && prev !== '' ? new EchoPreviousSink(sink, prev) : sink;
    if (body.store === false) return { body: expanded, wrap: echo };
    const record = (response: Body | null) => {
      if (response === null || typeof response.id !== 'string') return;
      this.store
        .put({
          id: response.id,
          createdAt: this.now(),
          input: assignItemIds(input, response.id, historyLength),
          response,
        })
        .catch((e) => this.logger.error('responses store write failed', { id: response.id, error: e }));
    };
    return {
      body: expanded,
      wrap: (sink) => {
        let done = false;
        return new CaptureSink(echo(sink), MAX_CAPTURE_BYTES, (r) => {
          if (done) return;
          done = true;
          record(r);
        });
      },
    };
  }
}
