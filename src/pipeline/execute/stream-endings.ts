/**
 * How a piped stream ends, other than complete: the client went away, the stream broke or stalled, the
 * provider reported an error mid-stream, or an observer (early stop) found the answer complete. Each writes
 * what the client still needs (one error in its dialect, or a clean finish) and returns the outcome with
 * the usage the provider reported or an estimate.
 */
import type { CallAbort } from '../../core/call-signal.js';
import { PennyError, ProviderError } from '../../core/errors.js';
import type { StreamEvent } from '../../core/response.js';
import { CODECS } from '../../providers/codecs.js';
import type { StreamEncoder } from '../../providers/dialect.js';
import { upstreamFailure } from '../../providers/upstream.js';
import type { Outcome, StreamCut } from '../context.js';
import type { OutcomeBase } from './outcomes.js';
import { type StreamSoFar, estimateUsage, usageOrEstimate } from './usage-estimate.js';

export interface EndingStream extends StreamSoFar {
  base: OutcomeBase;
  ttftMs: number | null;
}

/**
 * The observer found the answer complete: stop generation upstream, and end the client's stream as a normal
 * answer (finish "stop", usage). Usage is estimated from the text received, as for any aborted stream.
 */
export async function endedEarly(
  s: EndingStream,
  encoder: StreamEncoder,
  cut: StreamCut,
  ac: CallAbort,
): Promise<Outcome> {
  const { ctx, asm } = s;
  ac.abort();
  ctx.flags.push('early_stop');
  const usage = await estimateUsage(s, cut.discardedText);
  const tail: StreamEvent[] = [];
  if (!asm.finished) tail.push({ type: 'finish', index: 0, finish: { unified: 'stop', raw: null } });
  tail.push({ type: 'usage', usage }, { type: 'end' });
  asm.addAll(tail);
  let out = '';
  for (const ev of tail) out += encoder.encode(ev);
  if (!ctx.sink.closed) {
    ctx.sink.write(out);
    ctx.sink.end();
  }
  return {
    provider: s.base.provider,
    servedModel: s.base.servedModel,
    simulated: s.base.simulated,
    status: 'ok',
    httpStatus: 200,
    usage,
    response: asm.toResponse(),
    error: null,
    ttftMs: s.ttftMs,
    written: true,
  };
}

export async function clientAborted(s: EndingStream): Promise<Outcome> {
  const { ctx } = s;
  ctx.flags.push('client_aborted');
  if (!ctx.sink.closed) ctx.sink.end();
  const err = new PennyError(
    'client_aborted',
    'the client closed the connection mid-stream; the upstream request was aborted',
  );
  return {
    provider: s.base.provider,
    servedModel: s.base.servedModel,
    simulated: s.base.simulated,
    status: 'aborted',
    httpStatus: 499,
    usage: await usageOrEstimate(s),
    response: s.asm.toResponse(),
    error: err,
    ttftMs: s.ttftMs,
    written: true,
  };
}

/** A read failure of the upstream body: a stall (idle timeout) or a broken socket. */
export async function readFailure(s: EndingStream, e: unknown): Promise<Outcome> {
  const name = s.target.provider.name;
  const failure = e instanceof PennyError ? e : upstreamFailure(name, e);
  const err =
    failure.code === 'upstream_timeout'
      ? new ProviderError(
          'upstream_timeout',
          name,
          `the stream from provider "${name}" stalled (no data within providers.${name}.idleTimeoutMs)`,
          { cause: e },
        )
      : new ProviderError(
          'upstream_stream_broken',
          name,
          `the stream from provider "${name}" broke: ${failure.message}`,
          {
            cause: e,
          },
        );
  return broken(s, err);
}

/** The stream ended (cleanly, as far as the socket goes) before the answer was complete. */
export async function endedIncomplete(s: EndingStream): Promise<Outcome> {
  const name = s.target.provider.name;
  return broken(
    s,
    new ProviderError(
      'upstream_stream_broken',
      name,
      `the stream from provider "${name}" ended before the answer was complete`,
    ),
  );
}

/** The provider reported an error (or sent a malformed event) mid-stream: one error to the client, nothing after. */
export async function upstreamReportedError(s: EndingStream, ac: CallAbort): Promise<Outcome> {
  const { ctx, asm } = s;
  const name = s.target.provider.name;
  const e = asm.error!;
  const err =
    e.code === 'upstream_bad_response'
      ? new ProviderError(
          'upstream_bad_response',
          name,
          `the stream from provider "${name}" turned malformed (${e.message})`,
        )
      : new ProviderError(
          'upstream_error',
          name,
          `provider "${name}" reported an error mid-stream: ${e.message}`,
          e.upstreamType === undefined ? {} : { upstreamType: e.upstreamType },
        );
  ac.abort(); // stop reading: nothing after the error reaches the client
  if (!ctx.sink.closed) {
    ctx.sink.write(CODECS[ctx.clientDialect].encodeStreamError(err));
    ctx.sink.end();
  }
  return {
    provider: s.base.provider,
    servedModel: s.base.servedModel,
    simulated: s.base.simulated,
    status: 'error',
    httpStatus: 200,
    usage: await usageOrEstimate(s),
    response: asm.toResponse(),
    error: err,
    ttftMs: s.ttftMs,
    written: true,
  };
}

async function broken(s: EndingStream, err: PennyError): Promise<Outcome> {
  const { ctx } = s;
  if (!ctx.sink.closed) {
    ctx.sink.write(CODECS[ctx.clientDialect].encodeStreamError(err));
    ctx.sink.end();
  }
  return {
    provider: s.base.provider,
    servedModel: s.base.servedModel,
    simulated: s.base.simulated,
    status: 'error',
    httpStatus: 502,
    usage: await usageOrEstimate(s),
    response: s.asm.toResponse(),
    error: err,
    ttftMs: s.ttftMs,
    written: true,
  };
}
