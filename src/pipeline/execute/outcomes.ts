/**
 * The outcome constructors every executor, stage and the gateway share: an error answered in the client's
 * dialect (not yet written), and a complete answer replayed to the client as a stream.
 */
import type { PennyError } from '../../core/errors.js';
import type { CanonicalResponse, StreamEvent } from '../../core/response.js';
import { CODECS } from '../../providers/codecs.js';
import { toWireError } from '../../providers/wire-error.js';
import { type Outcome, type RequestContext, elapsedMs } from '../context.js';

/** Who answered: the part of an outcome known before the answer is. */
export type OutcomeBase = Pick<Outcome, 'provider' | 'servedModel' | 'simulated'>;

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

/**
 * A stream's response headers: SSE_HEADERS, then `headers` (which win). Written as a literal that opens with
 * its own members: on Node 20's V8, an object cloned by a leading spread (`{ ...SSE_HEADERS, ...headers }`,
 * `{ ...base, status }`) gets a map outside the transition tree, and every member then added to it builds a
 * new map — 0.5–1 µs per member (BENCHMARKS.md, CPU per request, issue 14 round 8). The same holds for every
 * outcome literal here: members listed, never `...base` first.
 */
export function sseHeaders(headers: Record<string, string>): Record<string, string> {
  return {
    'content-type': SSE_HEADERS['content-type'],
    'cache-control': SSE_HEADERS['cache-control'],
    connection: SSE_HEADERS.connection,
    ...headers,
  };
}

/** A failure, with its body rendered in the client's dialect for the gateway to write. */
export function errorOutcome(ctx: RequestContext, err: PennyError, base: OutcomeBase): Outcome {
  if (err.code === 'client_aborted') ctx.flags.push('client_aborted');
  const wire = toWireError(err, ctx.clientDialect);
  return {
    provider: base.provider,
    servedModel: base.servedModel,
    simulated: base.simulated,
    status: err.code === 'client_aborted' ? 'aborted' : 'error',
    httpStatus: wire.status,
    usage: null,
    response: null,
    error: err,
    ttftMs: null,
    written: false,
    body: JSON.stringify(wire.body),
  };
}

/** Replays complete events as a stream to the client (upstream ignored `stream`, simulated answers, cache hits). */
export function writeEventsAsStream(
  ctx: RequestContext,
  events: StreamEvent[],
  response: CanonicalResponse,
  base: OutcomeBase,
): Outcome {
  const encoder = CODECS[ctx.clientDialect].createStreamEncoder(ctx.request);
  ctx.sink.startStream(200, sseHeaders(ctx.headers));
  let out = '';
  for (const ev of events) out += encoder.encode(ev);
  ctx.sink.write(out);
  ctx.sink.end();
  return {
    provider: base.provider,
    servedModel: base.servedModel,
    simulated: base.simulated,
    status: 'ok',
    httpStatus: 200,
    usage: response.usage,
    response,
    error: null,
    ttftMs: elapsedMs(ctx.t0),
    written: true,
  };
}
