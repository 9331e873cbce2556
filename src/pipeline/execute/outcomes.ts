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

/** A failure, with its body rendered in the client's dialect for the gateway to write. */
export function errorOutcome(ctx: RequestContext, err: PennyError, base: OutcomeBase): Outcome {
  if (err.code === 'client_aborted') ctx.flags.push('client_aborted');
  const wire = toWireError(err, ctx.clientDialect);
  return {
    ...base,
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
  ctx.sink.startStream(200, { ...SSE_HEADERS, ...ctx.headers });
  let out = '';
  for (const ev of events) out += encoder.encode(ev);
  ctx.sink.write(out);
  ctx.sink.end();
  return {
    ...base,
    status: 'ok',
    httpStatus: 200,
    usage: response.usage,
    response,
    error: null,
    ttftMs: elapsedMs(ctx.t0),
    written: true,
  };
}
