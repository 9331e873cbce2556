/**
 * Executes one request against one upstream target: renders it in the target's dialect, calls it, and
 * answers the client in the client's dialect. When both dialects match, upstream bytes go to the client
 * untouched (non-streamed bodies and SSE events alike) while a decoder watches them for usage; only the
 * usage-only chunk Penny asked for on the client's behalf is hidden. A client that goes away aborts the
 * upstream request at once, and the tokens generated so far are estimated and priced. A stream observer
 * (server-side early stop) sees every decoded event and may end the answer early: then events are re-encoded
 * even for the same dialect, the upstream is aborted, and the client's stream ends with a clean finish.
 */
import { PennyError, ProviderError, asPennyError, toWireError } from '../../core/errors.js';
import type { CanonicalResponse, StreamEvent } from '../../core/response.js';
import type { Usage } from '../../core/usage.js';
import type { Logger } from '../../observability/logger.js';
import { CODECS } from '../../providers/codecs.js';
import { RESPONSES_PATH, upstreamDialectFor } from '../../providers/openai-responses/upstream-dialect.js';
import type { SseEvent, StreamDecoder, StreamEncoder } from '../../providers/dialect.js';
import { rateLimitHeaders } from '../../providers/rate-limit-headers.js';
import type { Target } from '../../providers/resolve-target.js';
import { SseParser, sse } from '../../providers/sse.js';
import {
  type UpstreamResponse,
  type Upstreams,
  readBodyText,
  upstreamFailure,
} from '../../providers/upstream.js';
import { countOutputTokens, countRequestTokens } from '../../tokens/index.js';
import { type Outcome, type RequestContext, type StreamCut, elapsedMs } from '../context.js';
import { StreamAssembler } from '../stream/assembler.js';
import { responseToEvents } from '../stream/response-to-events.js';

export interface ExecuteDeps {
  upstreams: Upstreams;
  logger: Logger;
  /** Sees each upstream response's status and headers (fallbacks read `retry-after` here). */
  onUpstreamResponse?: (statusCode: number, headers: UpstreamResponse['headers']) => void;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

export async function executeSingle(
  ctx: RequestContext,
  target: Target,
  deps: ExecuteDeps,
): Promise<Outcome> {
  const provider = target.provider;
  const upstreamCodec = CODECS[upstreamDialectFor(target.provider.type, ctx.clientDialect)];
  const base = { provider: provider.name, servedModel: target.model, simulated: false };
  // A stream gets its own controller (early stop and a finished stream abort the upstream while the client
  // stays); a non-streamed call just follows the client's signal — one AbortController less per request.
  const ac = ctx.request.stream ? new AbortController() : undefined;
  const onAbort = () => ac?.abort();
  if (ac) {
    if (ctx.signal.aborted) ac.abort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
  }
  try {
    const body = JSON.stringify(
      upstreamCodec.renderRequest(ctx.request, { model: target.model, forceStreamUsage: true }),
    );
    const apiKey = ctx.clientKey ?? provider.apiKey;
    const res = await deps.upstreams.call(provider, target.model, body, {
      apiKey,
      stream: ctx.request.stream,
      signal: ac ? ac.signal : ctx.signal,
      ...(upstreamCodec.name === 'responses' ? { path: RESPONSES_PATH } : {}),
    });
    deps.onUpstreamResponse?.(res.statusCode, res.headers);
    if (res.statusCode >= 400) {
      const text = await readBodyText(res.body).catch(() => '');
      const err = upstreamCodec.parseError(res.statusCode, text, provider.name);
      err.clientHeaders = rateLimitHeaders(res.headers);
      throw err;
    }
    const ctype = String(res.headers['content-type'] ?? '');
    if (ac && ctype.includes('text/event-stream')) {
      return await pipeStream(ctx, target, res.body, ac, base);
    }
    const text = await readBodyText(res.body);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new ProviderError(
        'upstream_bad_response',
        provider.name,
        `provider "${provider.name}" returned a body that is not JSON (${text.length} characters)`,
        { cause: e, retryable: true },
      );
    }
    const response = upstreamCodec.parseResponse(parsed, provider.name);
    // Anthropic answers carry no creation time: use the request's, never 0.
    if (response.created === 0) response.created = Math.floor(ctx.startedAt / 1000);
    if (ctx.request.stream) {
      // The upstream ignored `stream`: replay its answer as a stream in the client's dialect.
      return writeEventsAsStream(ctx, responseToEvents(response), response, base);
    }
    const same = upstreamCodec.name === ctx.clientDialect;
    const out = same ? text : JSON.stringify(CODECS[ctx.clientDialect].renderResponse(response, ctx.request));
    return {
      ...base,
      status: 'ok',
      httpStatus: 200,
      usage: response.usage,
      response,
      error: null,
      ttftMs: null,
      written: false,
      body: out,
    };
  } catch (e) {
    const err = ctx.signal.aborted
      ? new PennyError('client_aborted', 'the client closed the connection', { cause: e })
      : transportOrInternal(provider.name, e);
    return errorOutcome(ctx, err, base);
  } finally {
    if (ac) ctx.signal.removeEventListener('abort', onAbort);
  }
}

/** A socket/undici failure (it has a string `code`) becomes a ProviderError; anything else stays internal. */
function transportOrInternal(provider: string, e: unknown): PennyError {
  if (e instanceof PennyError) return e;
  return typeof (e as { code?: unknown } | null)?.code === 'string'
    ? upstreamFailure(provider, e)
    : asPennyError(e);
}

async function pipeStream(
  ctx: RequestContext,
  target: Target,
  body: AsyncIterable<Buffer>,
  ac: AbortController,
  base: Pick<Outcome, 'provider' | 'servedModel' | 'simulated'>,
): Promise<Outcome> {
  const upstreamCodec = CODECS[upstreamDialectFor(target.provider.type, ctx.clientDialect)];
  const clientCodec = CODECS[ctx.clientDialect];
  const same = upstreamCodec.name === ctx.clientDialect;
  const hideUsage = same && ctx.clientDialect === 'openai' && ctx.request.streamUsage !== true;
  const decoder = upstreamCodec.createStreamDecoder(target.provider.name);
  const observer = ctx.streamObserver;
  const encoder = same && observer === undefined ? null : clientCodec.createStreamEncoder(ctx.request);
  const parser = new SseParser();
  const asm = new StreamAssembler();
  let ttftMs: number | null = null;
  let cut: StreamCut | null = null;
  let failed = false;
  ctx.sink.startStream(200, { ...SSE_HEADERS, ...ctx.headers });

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

  const handle = (events: SseEvent[]) => {
    let out = '';
    for (const ev of events) {
      const cevs = decoder.decode(ev);
      for (const c of cevs)
        if (c.type === 'start' && c.created === 0) c.created = Math.floor(ctx.startedAt / 1000);
      if (cevs.some((c) => c.type === 'error')) {
        // An upstream error or malformed event ends the answer: it is not forwarded (raw or encoded);
        // the client gets exactly one error in its dialect below, and nothing after it.
        asm.addAll(cevs);
        failed = true;
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
        out += sse(ev.data, ev.event);
      }
    }
    if (out && !ctx.sink.closed) ctx.sink.write(out);
  };

  try {
    for await (const chunk of body) {
      handle(parser.push(chunk));
      if (cut !== null || failed) break;
    }
    if (cut === null && !failed) handle(parser.end());
  } catch (e) {
    // Let the upstream abort reach the socket before any CPU-heavy work (token estimates) runs.
    await new Promise((r) => setImmediate(r));
    if (ctx.signal.aborted) return abortedOutcome(ctx, asm, decoder, target, base, ttftMs);
    const failure = e instanceof PennyError ? e : upstreamFailure(target.provider.name, e);
    const name = target.provider.name;
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
            { cause: e },
          );
    return brokenStream(ctx, asm, decoder, target, base, ttftMs, err);
  }
  if (ctx.signal.aborted) return abortedOutcome(ctx, asm, decoder, target, base, ttftMs);
  if (cut !== null && encoder !== null)
    return endedEarly(ctx, asm, decoder, target, base, ttftMs, encoder, cut, ac);
  if (asm.error) {
    const name = target.provider.name;
    const err =
      asm.error.code === 'upstream_bad_response'
        ? new ProviderError(
            'upstream_bad_response',
            name,
            `the stream from provider "${name}" turned malformed (${asm.error.message})`,
          )
        : new ProviderError(
            'upstream_error',
            name,
            `provider "${name}" reported an error mid-stream: ${asm.error.message}`,
            asm.error.upstreamType === undefined ? {} : { upstreamType: asm.error.upstreamType },
          );
    ac.abort(); // stop reading: nothing after the error reaches the client
    if (!ctx.sink.closed) {
      ctx.sink.write(clientCodec.encodeStreamError(err));
      ctx.sink.end();
    }
    return {
      ...base,
      status: 'error',
      httpStatus: 200,
      usage: usageOrEstimate(ctx, asm, decoder, target),
      response: asm.toResponse(),
      error: err,
      ttftMs,
      written: true,
    };
  }
  if (!asm.finished && !asm.ended) {
    return brokenStream(
      ctx,
      asm,
      decoder,
      target,
      base,
      ttftMs,
      new ProviderError(
        'upstream_stream_broken',
        target.provider.name,
        `the stream from provider "${target.provider.name}" ended before the answer was complete`,
      ),
    );
  }
  if (encoder && !asm.ended) ctx.sink.write(encoder.encode({ type: 'end' }));
  ctx.sink.end();
  ac.abort(); // nothing left to read; frees the socket promptly if the upstream keeps it open
  const usage = usageOrEstimate(ctx, asm, decoder, target);
  return {
    ...base,
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
 * The observer found the answer complete: stop generation upstream, and end the client's stream as a normal
 * answer (finish "stop", usage). Usage is estimated from the text received, as for any aborted stream.
 */
function endedEarly(
  ctx: RequestContext,
  asm: StreamAssembler,
  decoder: StreamDecoder,
  target: Target,
  base: Pick<Outcome, 'provider' | 'servedModel' | 'simulated'>,
  ttftMs: number | null,
  encoder: StreamEncoder,
  cut: StreamCut,
  ac: AbortController,
): Outcome {
  ac.abort();
  ctx.flags.push('early_stop');
  const usage = estimateUsage(ctx, asm, decoder, target, cut.discardedText);
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
    ...base,
    status: 'ok',
    httpStatus: 200,
    usage,
    response: asm.toResponse(),
    error: null,
    ttftMs,
    written: true,
  };
}

function isUsageOnly(evs: StreamEvent[]): boolean {
  return evs.length > 0 && evs.every((e) => e.type === 'usage');
}

/** Replays complete events as a stream to the client (upstream ignored `stream`, simulated answers, cache hits). */
export function writeEventsAsStream(
  ctx: RequestContext,
  events: StreamEvent[],
  response: CanonicalResponse,
  base: Pick<Outcome, 'provider' | 'servedModel' | 'simulated'>,
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

function usageOrEstimate(
  ctx: RequestContext,
  asm: StreamAssembler,
  decoder: StreamDecoder,
  target: Target,
): Usage {
  if (asm.usage && (asm.usage.outputText > 0 || asm.usage.reasoning > 0 || !asm.sawContent)) return asm.usage;
  return estimateUsage(ctx, asm, decoder, target, '');
}

/**
 * Usage of an answer that ended without (complete) provider usage. What the provider reported is kept —
 * Anthropic's `message_start` carries the input side (uncached, cache read, cache writes) before any text —
 * and only what it did not report is estimated: the input counted from the request when nothing came, the
 * output from the text generated so far plus any text the client never saw (`extraText`, cut by an early
 * stop). Flagged as estimated.
 */
function estimateUsage(
  ctx: RequestContext,
  asm: StreamAssembler,
  decoder: StreamDecoder,
  target: Target,
  extraText: string,
): Usage {
  const reported = asm.usage ?? decoder.reportedUsage();
  const input = reported ? null : countRequestTokens(ctx.request, target.model);
  const output = countOutputTokens(asm.text() + extraText, target.model).tokens;
  if (!ctx.flags.includes('usage_estimated')) ctx.flags.push('usage_estimated');
  return {
    inputUncached: reported?.inputUncached ?? input?.tokens ?? 0,
    cacheRead: reported?.cacheRead ?? 0,
    cacheWrite5m: reported?.cacheWrite5m ?? 0,
    cacheWrite1h: reported?.cacheWrite1h ?? 0,
    // A provider count seen mid-stream (message_start's placeholder) only stands if it is the larger one.
    outputText: Math.max(output, (reported?.outputText ?? 0) + (reported?.reasoning ?? 0)),
    reasoning: 0,
    estimated: true,
    ...(reported?.raw !== undefined ? { raw: reported.raw } : {}),
  };
}

function abortedOutcome(
  ctx: RequestContext,
  asm: StreamAssembler,
  decoder: StreamDecoder,
  target: Target,
  base: Pick<Outcome, 'provider' | 'servedModel' | 'simulated'>,
  ttftMs: number | null,
): Outcome {
  ctx.flags.push('client_aborted');
  if (!ctx.sink.closed) ctx.sink.end();
  const err = new PennyError(
    'client_aborted',
    'the client closed the connection mid-stream; the upstream request was aborted',
  );
  return {
    ...base,
    status: 'aborted',
    httpStatus: 499,
    usage: usageOrEstimate(ctx, asm, decoder, target),
    response: asm.toResponse(),
    error: err,
    ttftMs,
    written: true,
  };
}

function brokenStream(
  ctx: RequestContext,
  asm: StreamAssembler,
  decoder: StreamDecoder,
  target: Target,
  base: Pick<Outcome, 'provider' | 'servedModel' | 'simulated'>,
  ttftMs: number | null,
  err: PennyError,
): Outcome {
  if (!ctx.sink.closed) {
    ctx.sink.write(CODECS[ctx.clientDialect].encodeStreamError(err));
    ctx.sink.end();
  }
  return {
    ...base,
    status: 'error',
    httpStatus: 502,
    usage: usageOrEstimate(ctx, asm, decoder, target),
    response: asm.toResponse(),
    error: err,
    ttftMs,
    written: true,
  };
}

export function errorOutcome(
  ctx: RequestContext,
  err: PennyError,
  base: Pick<Outcome, 'provider' | 'servedModel' | 'simulated'>,
): Outcome {
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
