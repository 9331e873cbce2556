/**
 * Pipes an upstream SSE stream to the client, in one of three modes:
 *  - raw: same dialect and nobody watching — upstream bytes go to the client untouched while a decoder
 *    watches them for usage; only the usage-only chunk Penny asked for on the client's behalf is hidden;
 *  - re-encoded: another dialect — each decoded event is encoded in the client's;
 *  - observed: a stream observer (server-side early stop) sees every decoded event and may cut the answer
 *    short; events are re-encoded even for the same dialect.
 * An upstream error or malformed event ends the answer with exactly one error in the client's dialect.
 * How a stream ends other than complete is stream-endings.ts.
 */
import type { CallAbort } from '../../core/call-signal.js';
import type { StreamEvent } from '../../core/response.js';
import { CODECS } from '../../providers/codecs.js';
import type { SseEvent, StreamEncoder } from '../../providers/dialect.js';
import { providerModule } from '../../providers/modules.js';
import { upstreamDialectFor } from '../../providers/openai-responses/upstream-dialect.js';
import type { Target } from '../../providers/resolve-target.js';
import { SseParser, eventRange, sse } from '../../providers/sse.js';
import type { UpstreamBody } from '../../providers/upstream.js';
import { type Outcome, type RequestContext, type StreamCut, elapsedMs } from '../context.js';
import { StreamAssembler } from '../stream/assembler.js';
import { type OutcomeBase, sseHeaders } from './outcomes.js';
import {
  type EndingStream,
  clientAborted,
  endedEarly,
  endedIncomplete,
  readFailure,
  upstreamReportedError,
} from './stream-endings.js';
import { completeUsage, estimateUsage } from './usage-estimate.js';
import { FAST_PATH } from './fast-body.js';

export async function pipeStream(
  ctx: RequestContext,
  target: Target,
  body: UpstreamBody,
  ac: CallAbort,
  base: OutcomeBase,
): Promise<Outcome> {
  const upstreamCodec = CODECS[upstreamDialectFor(target.provider.type, ctx.clientDialect)];
  const clientCodec = CODECS[ctx.clientDialect];
  const same = upstreamCodec.name === ctx.clientDialect;
  // A dialect whose clients opt in to stream usage (OpenAI include_usage) does not get usage it did not ask for.
  const hideUsage =
    same &&
    providerModule(ctx.clientDialect).capabilities.streamUsageOptIn &&
    ctx.request.streamUsage !== true;
  const decoder = upstreamCodec.createStreamDecoder(target.provider.name);
  const observer = ctx.streamObserver;
  const encoder = same && observer === undefined ? null : clientCodec.createStreamEncoder(ctx.request);
  const parser = new SseParser();
  const asm = new StreamAssembler();
  let ttftMs: number | null = null;
  let cut: StreamCut | null = null;
  let failed = false;
  const ending = (): EndingStream => ({ ctx, asm, decoder, target, base, ttftMs });
  ctx.sink.startStream(200, sseHeaders(ctx.headers));

  /** The observed path: every event is shown to the observer, which may cut the answer short. */
  const observed = (cevs: StreamEvent[], enc: StreamEncoder): string => {
    let out = '';
    for (const c of cevs) {
      const r = observer!.observe(c);
      const forward = r === null ? [c] : r.last;
      asm.addAll(forward);
      for (const f of forward) out += enc.encode(f);
      if (r !== null) {
        cut = r;
        break;
      }
    }
    if (ttftMs === null && asm.sawContent) ttftMs = elapsedMs(ctx.t0);
    return out;
  };

  /**
   * `chunk` is the upstream's bytes when they hold exactly `events` (they begin and end between events):
   * in raw mode, when every event is forwarded, they go to the client as they are, not re-formatted.
   */
  const handle = (events: SseEvent[], chunk?: Buffer) => {
    let out = '';
    let asIs = chunk !== undefined && encoder === null;
    /** Hidden events of a chunk forwarded as is, and their byte ranges in it (cut out of what is sent). */
    let hidden: SseEvent[] | null = null;
    let cuts: Array<[number, number]> | null = null;
    for (const ev of events) {
      const cevs = decoder.decode(ev);
      for (const c of cevs)
        if (c.type === 'start' && c.created === 0) c.created = Math.floor(ctx.startedAt / 1000);
      if (cevs.some((c) => c.type === 'error')) {
        // An upstream error or malformed event ends the answer: it is not forwarded (raw or encoded);
        // the client gets exactly one error in its dialect below, and nothing after it.
        asm.addAll(cevs);
        failed = true;
        asIs = false;
        break;
      }
      if (observer !== undefined && encoder !== null) {
        out += observed(cevs, encoder);
        if (cut !== null) break;
        continue;
      }
      asm.addAll(cevs);
      if (ttftMs === null && asm.sawContent) ttftMs = elapsedMs(ctx.t0);
      if (encoder) {
        for (const c of cevs) out += encoder.encode(c);
      } else if (!(hideUsage && isUsageOnly(cevs))) {
        if (!asIs) out += sse(ev.data, ev.event);
      } else if (asIs && chunk !== undefined) {
        // A hidden event inside a chunk otherwise forwarded as is: its bytes are cut out of the chunk; when
        // they cannot be told apart, the events before it are re-formatted, and the rest.
        const range = eventRange(chunk, ev, cuts === null ? 0 : cuts[cuts.length - 1]![1]);
        if (range !== null) {
          if (hidden === null || cuts === null) {
            hidden = [ev];
            cuts = [range];
          } else {
            hidden.push(ev);
            cuts.push(range);
          }
        } else {
          asIs = false;
          for (const before of events) {
            if (before === ev) break;
            if (hidden === null || !hidden.includes(before)) out += sse(before.data, before.event);
          }
        }
      }
    }
    if (asIs && chunk !== undefined) {
      FAST_PATH.rawStreamChunks++;
      const bytes = cuts === null ? chunk : cutOut(chunk, cuts);
      if (bytes.length > 0 && !ctx.sink.closed) ctx.sink.write(bytes);
    } else if (out && !ctx.sink.closed) ctx.sink.write(out);
  };

  // A chunk that starts and ends between events is forwarded byte for byte (raw mode).
  let between = true;
  const resume = () => body.resume();
  /** Each upstream chunk, as it arrives; false pauses the upstream until the client's socket drains. */
  const onChunk = (chunk: Buffer): boolean => {
    const events = parser.push(chunk);
    const whole = between && parser.idle && chunk[chunk.length - 1] === 0x0a;
    between = parser.idle && chunk[chunk.length - 1] === 0x0a;
    handle(events, whole && events.length > 0 ? chunk : undefined);
    if (cut !== null || failed) {
      body.stop();
      return true;
    }
    return ctx.sink.full?.(resume) !== true;
  };
  try {
    await body.each(onChunk);
    if (cut === null && !failed) handle(parser.end());
  } catch (e) {
    // Let the upstream abort reach the socket before any CPU-heavy work (token estimates) runs.
    await new Promise((r) => setImmediate(r));
    if (ctx.signal.aborted) return clientAborted(ending());
    return readFailure(ending(), e);
  }
  if (ctx.signal.aborted) return clientAborted(ending());
  if (cut !== null && encoder !== null) return endedEarly(ending(), encoder, cut, ac);
  if (asm.error) return upstreamReportedError(ending(), ac);
  if (!asm.finished && !asm.ended) return endedIncomplete(ending());
  if (encoder && !asm.ended) ctx.sink.write(encoder.encode({ type: 'end' }));
  ctx.sink.end();
  ac.abort(STREAM_COMPLETE); // nothing left to read; frees the socket promptly if the upstream keeps it open
  const sofar = { ctx, asm, decoder, target };
  const usage = completeUsage(sofar) ?? (await estimateUsage(sofar, ''));
  return {
    provider: base.provider,
    servedModel: base.servedModel,
    simulated: base.simulated,
    status: 'ok',
    httpStatus: 200,
    usage,
    response: asm.toResponse(),
    error: null,
    ttftMs,
    written: true,
  };
}

/**
 * The reason a complete stream's upstream request is aborted with: one shared value, because `abort()`
 * without a reason builds a DOMException (with its stack) per streamed request — measured at ~4% of a
 * streamed request's CPU (`npm run bench:profile`).
 */
const STREAM_COMPLETE = new DOMException('the stream is complete', 'AbortError');

/** `chunk` without the byte ranges `cuts` (in order, not overlapping). */
function cutOut(chunk: Buffer, cuts: ReadonlyArray<readonly [number, number]>): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const [start, end] of cuts) {
    if (start > at) parts.push(chunk.subarray(at, start));
    at = end;
  }
  if (at < chunk.length) parts.push(chunk.subarray(at));
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

function isUsageOnly(evs: StreamEvent[]): boolean {
  return evs.length > 0 && evs.every((e) => e.type === 'usage');
}
