/**
 * Answers the client with a complete canonical response that is already in hand (simulated upstream, a
 * shortcut, a cache hit): rendered in the client's dialect, as a proper SSE stream (written at once) when
 * the client asked to stream, else as a JSON body for the gateway to write with its headers.
 */
import type { CanonicalResponse } from '../../core/response.js';
import { CODECS } from '../../providers/codecs.js';
import type { Outcome, RequestContext } from '../context.js';
import { responseToEvents } from '../stream/response-to-events.js';
import { writeEventsAsStream } from './outcomes.js';

export function answerWith(
  ctx: RequestContext,
  response: CanonicalResponse,
  base: Pick<Outcome, 'provider' | 'servedModel' | 'simulated'>,
): Outcome {
  if (ctx.request.stream) return writeEventsAsStream(ctx, responseToEvents(response), response, base);
  return {
    provider: base.provider,
    servedModel: base.servedModel,
    simulated: base.simulated,
    status: 'ok',
    httpStatus: 200,
    usage: response.usage,
    response,
    error: null,
    ttftMs: null,
    written: false,
    body: JSON.stringify(CODECS[ctx.clientDialect].renderResponse(response, ctx.request)),
  };
}
