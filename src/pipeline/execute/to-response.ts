/**
 * One upstream call whose answer is kept instead of sent: the request is forced non-streamed and run by
 * `executeSingle` (after the per-target adapters, see attempt.ts) on a copy of the context with a sink that writes nothing, so error mapping, key
 * handling and aborts behave exactly as for a normal call. The cascade uses it for every attempt and
 * answers the client once, with the answer it accepted (the outcome's `body` is ready in the client's
 * dialect; a streaming client gets the response replayed as a stream).
 */
import type { CanonicalRequest } from '../../core/request.js';
import type { Target } from '../../providers/resolve-target.js';
import type { Outcome, RequestContext, ResponseSink } from '../context.js';
import { prepareAttempt } from './attempt.js';
import { type ExecuteDeps, executeSingle } from './single.js';

const NULL_SINK: ResponseSink = {
  closed: false,
  json() {},
  startStream() {},
  write() {},
  end() {},
};

export interface BufferedCall {
  outcome: Outcome;
  /** Flags the call raised (usage_estimated …), for the caller to keep or drop. */
  flags: string[];
}

export async function executeToResponse(
  ctx: RequestContext,
  target: Target,
  deps: ExecuteDeps & { keyFor(target: Target): string | undefined },
  request: CanonicalRequest = ctx.request,
): Promise<BufferedCall> {
  const prepared = prepareAttempt(ctx, target, request);
  const child: RequestContext = {
    ...ctx,
    request: { ...prepared.request, stream: false, streamUsage: undefined },
    sink: NULL_SINK,
    headers: {},
    flags: [],
    streamObserver: undefined,
    clientKey: deps.keyFor(target),
  };
  const outcome = await executeSingle(child, target, { upstreams: deps.upstreams, logger: deps.logger });
  outcome.attemptFacts = prepared.facts;
  return { outcome, flags: child.flags };
}
