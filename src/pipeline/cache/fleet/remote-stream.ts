/**
 * Both ends of a streamed flight shared across instances. The leader's side (`relayFlight`): once a
 * follower on another instance watches, everything the leader writes to its own client — replayed from
 * the start, then live — is appended to the flight's stream log. The follower's side (`StreamForwarder`):
 * each logged op is forwarded to its client as it arrives — the bytes as they are when the follower speaks
 * the leader's client dialect (and, for OpenAI, asked for the same usage chunk), else decoded and
 * re-encoded in its own dialect (the usage chunk it asked for is added from the published result).
 * The follower's first byte therefore comes with the leader's, not after the whole answer.
 * Chunks are logged as UTF-8 text: the leader writes whole SSE events, so no character is split.
 */
import { PennyError } from '../../../core/errors.js';
import type { Dialect } from '../../../core/request.js';
import type { StreamEvent } from '../../../core/response.js';
import { emptyUsage } from '../../../core/usage.js';
import { CODECS } from '../../../providers/codecs.js';
import type { StreamDecoder, StreamEncoder } from '../../../providers/dialect.js';
import { providerModule } from '../../../providers/modules.js';
import { SseParser } from '../../../providers/sse.js';
import { type Outcome, type RequestContext, elapsedMs } from '../../context.js';
import { sseHeaders } from '../../execute/outcomes.js';
import type { CachedAnswer } from '../entry-codec.js';
import type { Flight } from '../inflight.js';
import type { Lease, StreamOp } from './flight-board.js';

/** Leader: logs the flight's stream for followers on other instances, once one watches. */
export function relayFlight(lease: Lease, flight: Flight): void {
  if (!flight.stream) return;
  lease.onWatched(() => {
    const unsubscribe = flight.subscribe((op) => {
      if (op.type === 'start')
        lease.log({ t: 'start', dialect: flight.dialect, usage: flight.streamUsage ?? null });
      else if (op.type === 'write')
        lease.log({ t: 'write', chunk: typeof op.chunk === 'string' ? op.chunk : op.chunk.toString('utf8') });
      else lease.log({ t: 'end' });
    });
    void flight.done.then(unsubscribe);
  });
}

/** Follower: forwards a leader's logged stream to this request's client. */
export class StreamForwarder {
  started = false;
  ended = false;
  private ttftMs: number | null = null;
  private transcoder: Transcoder | undefined;

  /** `onStart` runs just before the first byte (the follower's headers are set then). */
  constructor(
    private readonly ctx: RequestContext,
    private readonly onStart: () => void,
  ) {}

  op(op: StreamOp): void {
    const sink = this.ctx.sink;
    if (op.t === 'start') {
      if (this.started || !(op.dialect in CODECS)) return;
      const dialect = op.dialect as Dialect;
      const same =
        dialect === this.ctx.clientDialect &&
        (!providerModule(dialect).capabilities.streamUsageOptIn ||
          (op.usage ?? false) === (this.ctx.request.streamUsage ?? false));
      if (!same) this.transcoder = new Transcoder(dialect, this.ctx);
      this.onStart();
      this.started = true;
      if (!sink.closed) sink.startStream(200, sseHeaders(this.ctx.headers));
      return;
    }
    if (!this.started || this.ended) return;
    if (op.t === 'write') {
      this.ttftMs ??= elapsedMs(this.ctx.t0);
      const out = this.transcoder ? this.transcoder.push(op.chunk) : op.chunk;
      if (out && !sink.closed) sink.write(out);
    } else if (op.t === 'end') {
      this.ended = true;
      if (this.transcoder) {
        const out = this.transcoder.push(null);
        if (out && !sink.closed) sink.write(out);
      } else if (!sink.closed) sink.end();
    }
  }

  /**
   * The follower's outcome once the wait is over: complete when the leader's whole stream came and its
   * result was published; otherwise the client's stream ends with one error event (nothing was called).
   */
  finish(answer: CachedAnswer | null): Outcome {
    const sink = this.ctx.sink;
    const complete = this.ended && answer !== null && !this.transcoder?.failed;
    if (this.transcoder && this.ended && !sink.closed) {
      sink.write(this.transcoder.close(complete ? answer : null));
      sink.end();
    }
    const error = complete
      ? null
      : new PennyError(
          'upstream_stream_broken',
          'the shared upstream stream (led by another instance) ended before the answer was complete',
        );
    if (!this.ended && !sink.closed) {
      sink.write(CODECS[this.ctx.clientDialect].encodeStreamError(error!));
      sink.end();
    }
    return {
      provider: answer?.provider ?? null,
      servedModel: answer?.servedModel ?? null,
      simulated: answer?.simulated ?? false,
      status: complete ? 'ok' : 'error',
      httpStatus: complete ? 200 : 502,
      usage: emptyUsage(),
      response: answer?.response ?? null,
      error,
      ttftMs: this.ttftMs,
      written: true,
    };
  }
}

/** The leader's client-dialect SSE bytes → canonical events → the follower's dialect. */
class Transcoder {
  failed = false;
  private readonly parser = new SseParser();
  private readonly decoder: StreamDecoder;
  private readonly encoder: StreamEncoder;
  private sawUsage = false;

  constructor(from: Dialect, ctx: RequestContext) {
    this.decoder = CODECS[from].createStreamDecoder('penny');
    this.encoder = CODECS[ctx.clientDialect].createStreamEncoder(ctx.request);
  }

  /** Encodes the events in `chunk` (null: the stream's end), holding back the final `end`. */
  push(chunk: string | null): string {
    const events = chunk === null ? this.parser.end() : this.parser.push(Buffer.from(chunk, 'utf8'));
    let out = '';
    for (const ev of events) {
      for (const c of this.decoder.decode(ev)) out += this.encode(c);
    }
    return out;
  }

  /** The held-back end: the usage the client asked for (from the result, if the stream had none), then `end`. */
  close(answer: CachedAnswer | null): string {
    if (this.failed) return '';
    let out = '';
    const usage = answer?.response.usage;
    if (!this.sawUsage && !this.failed && usage) out += this.encoder.encode({ type: 'usage', usage });
    return out + this.encoder.encode({ type: 'end' });
  }

  private encode(c: StreamEvent): string {
    if (c.type === 'end') return '';
    if (c.type === 'usage') this.sawUsage = true;
    if (c.type === 'error') this.failed = true;
    return this.encoder.encode(c);
  }
}
