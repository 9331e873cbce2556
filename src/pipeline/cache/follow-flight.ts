/**
 * A de-duplicated follower: a request identical to one already in flight waits for the leader's answer
 * instead of calling upstream. A streaming follower of a streaming leader in the same dialect is teed the
 * leader's bytes as they arrive (a late follower replays them from the start); any other follower gets the
 * leader's answer rendered for itself. The follower makes no call of its own (spend 0); a successful one
 * reports the leader's spend as the alternative, which settle books as `cache.dedupe`.
 */
import { PennyError } from '../../core/errors.js';
import { emptyUsage } from '../../core/usage.js';
import { CODECS } from '../../providers/codecs.js';
import { type Outcome, type RequestContext, elapsedMs } from '../context.js';
import { errorOutcome } from '../execute/outcomes.js';
import type { CacheMeta } from './cache-meta.js';
import type { Flight, FlightResult } from './inflight.js';
import { serveAnswer } from './serve-answer.js';
import { countCache } from './stats.js';

export async function followFlight(ctx: RequestContext, meta: CacheMeta, flight: Flight): Promise<Outcome> {
  countCache('dedupeFollower');
  ctx.money.unbilled = true;
  flight.followers++;
  flight.attach(ctx.signal);
  meta.status = 'dedupe';
  ctx.headers['x-penny-cache'] = 'dedupe';
  if (flight.canTee(ctx)) {
    const teed = await tee(ctx, flight);
    if (teed) return teed;
    // The leader failed before it started streaming: answer below like any other follower.
  }
  const r = await flight.done;
  const o = r.outcome;
  const src = { provider: o.provider, servedModel: o.servedModel, simulated: o.simulated };
  if (o.status === 'ok' && o.response) {
    if (
      !ctx.request.stream &&
      !flight.stream &&
      ctx.clientDialect === flight.dialect &&
      o.body !== undefined
    ) {
      if (src.provider) ctx.headers['x-penny-provider'] = src.provider;
      return shared(ctx, r, { ...o, usage: emptyUsage(), ttftMs: null, written: false });
    }
    return shared(ctx, r, serveAnswer(ctx, o.response, src));
  }
  const err = o.error ?? new PennyError('upstream_error', 'the shared upstream call failed');
  return errorOutcome(ctx, err, src);
}

/** Streams the leader's bytes to the follower; null when the leader never started a stream. */
async function tee(ctx: RequestContext, flight: Flight): Promise<Outcome | null> {
  let started = false;
  let ended = false;
  let ttftMs: number | null = null;
  const unsubscribe = flight.subscribe((op) => {
    if (ctx.sink.closed) return;
    if (op.type === 'start') {
      ctx.sink.startStream(op.status, { ...op.headers, ...ctx.headers });
      started = true;
    } else if (started && op.type === 'write') {
      ttftMs ??= elapsedMs(ctx.t0);
      ctx.sink.write(op.chunk);
    } else if (started && op.type === 'end') {
      ended = true;
      ctx.sink.end();
    }
  });
  const r = await flight.done;
  unsubscribe();
  if (!started) return null;
  if (!ended && !ctx.sink.closed) {
    const err =
      r.outcome.error ??
      new PennyError(
        'upstream_stream_broken',
        'the shared upstream stream ended before the answer was complete',
      );
    ctx.sink.write(CODECS[ctx.clientDialect].encodeStreamError(err));
    ctx.sink.end();
  }
  const o = r.outcome;
  const complete = ended && o.status === 'ok';
  return shared(ctx, r, {
    provider: o.provider,
    servedModel: o.servedModel,
    simulated: o.simulated,
    status: complete ? 'ok' : o.status === 'aborted' ? 'error' : o.status,
    httpStatus: complete ? o.httpStatus : o.httpStatus === 499 ? 502 : o.httpStatus,
    usage: emptyUsage(),
    response: o.response,
    error: complete ? null : (o.error ?? new PennyError('upstream_stream_broken', 'shared stream broke')),
    ttftMs,
    written: true,
  });
}

/** A successful follower's alternative is the leader's spend (`cache.dedupe`). */
function shared(ctx: RequestContext, r: FlightResult, o: Outcome): Outcome {
  if (o.status === 'ok') ctx.money.replaced = { kind: 'shared', tactic: 'cache.dedupe', cost: r.cost };
  return o;
}
