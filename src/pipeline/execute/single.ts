/**
 * Executes one request against one upstream target: renders it in the target's dialect, calls it, and
 * answers the client in the client's dialect. A non-streamed answer in the same dialect goes to the client
 * untouched; a stream is piped by pipe-stream.ts (raw, re-encoded or observed), and how it ends other than
 * complete is stream-endings.ts. A client that goes away aborts the upstream request at once, and the
 * tokens generated so far are estimated (usage-estimate.ts). The outcome constructors others use are in
 * outcomes.ts.
 */
import { CallAbort } from '../../core/call-signal.js';
import { verdictOf } from '../../resilience/circuit-breaker.js';
import { PennyError, ProviderError, asPennyError } from '../../core/errors.js';
import { MAX_JSON_DEPTH, tooDeepAt } from '../../core/json-depth.js';
import type { Logger } from '../../observability/logger.js';
import { CODECS } from '../../providers/codecs.js';
import { providerModule } from '../../providers/modules.js';
import { upstreamDialectFor } from '../../providers/openai-responses/upstream-dialect.js';
import { rateLimitHeaders } from '../../providers/rate-limit-headers.js';
import type { Target } from '../../providers/resolve-target.js';
import {
  type CallOptions,
  type UpstreamHeaders,
  type Upstreams,
  upstreamFailure,
} from '../../providers/upstream.js';
import type { CallTicket, Outcome, RequestContext } from '../context.js';
import { responseToEvents } from '../stream/response-to-events.js';
import { errorOutcome, writeEventsAsStream } from './outcomes.js';
import { pipeStream } from './pipe-stream.js';
import { cutCallUsage } from './usage-estimate.js';
import { fastRequestBody } from './fast-body.js';

export interface ExecuteDeps {
  upstreams: Upstreams;
  logger: Logger;
  /** Sees each upstream response's status and headers (fallbacks read `retry-after` here). */
  onUpstreamResponse?: (statusCode: number, headers: UpstreamHeaders) => void;
}

/**
 * One upstream call behind the target's circuit breaker: refused at once while the circuit is open (a
 * retryable 503 `circuit_open`, so fallbacks take over), and its outcome reported to the breaker after.
 */
export function executeSingle(ctx: RequestContext, target: Target, deps: ExecuteDeps): Promise<Outcome> {
  const breakers = deps.upstreams.breakers;
  if (!breakers) return guardedCall(ctx, target, deps);
  return breakerCall(ctx, target, deps, breakers);
}

async function breakerCall(
  ctx: RequestContext,
  target: Target,
  deps: ExecuteDeps,
  breakers: NonNullable<Upstreams['breakers']>,
): Promise<Outcome> {
  const provider = target.provider.name;
  const gate = breakers.acquire(provider, target.model);
  if (!gate.allowed) {
    const seconds = Math.max(1, Math.ceil((gate.retryAt - Date.now()) / 1000));
    const err = new PennyError(
      'circuit_open',
      `provider "${provider}" model "${target.model}" is failing; Penny stopped calling it for a cool-down (circuitBreaker.coolDownMs) — retry in ${seconds} s`,
      { retryable: true },
    );
    err.clientHeaders = { 'retry-after': String(seconds) };
    return errorOutcome(ctx, err, { provider, servedModel: target.model, simulated: false });
  }
  const out = await guardedCall(ctx, target, deps);
  breakers.record(
    provider,
    target.model,
    verdictOf(
      { status: out.status, httpStatus: out.httpStatus, errorCode: out.error?.code ?? null },
      breakers.options,
    ),
  );
  return out;
}

/**
 * The call under the context's CallGuard (budget reservation before, settlement after), when one is set.
 * Without one, the call's own promise: no async frame around it (a promise and two microtask turns more).
 */
function guardedCall(ctx: RequestContext, target: Target, deps: ExecuteDeps): Promise<Outcome> {
  const guard = ctx.callGuard;
  return guard === undefined ? callTarget(ctx, target, deps) : callUnderGuard(guard, ctx, target, deps);
}

/**
 * The call between `begin` and `end` of the guard's ticket. Not async: most calls are admitted from the local
 * allowance without a store call, and then `begin` returns the ticket itself — an async frame around the call
 * would cost a promise, its frame and a microtask turn per call for nothing.
 */
function callUnderGuard(
  guard: NonNullable<RequestContext['callGuard']>,
  ctx: RequestContext,
  target: Target,
  deps: ExecuteDeps,
): Promise<Outcome> {
  let begun: ReturnType<typeof guard.begin>;
  try {
    begun = guard.begin(ctx, target);
  } catch (e) {
    return Promise.resolve(refusedCall(ctx, target, e));
  }
  if (begun instanceof Promise)
    return begun.then(
      (ticket) => ticketedCall(ticket, ctx, target, deps),
      (e: unknown) => refusedCall(ctx, target, e),
    );
  return ticketedCall(begun, ctx, target, deps);
}

/** The guard refused the call (a budget, or its store failing closed): the outcome says so. */
function refusedCall(ctx: RequestContext, target: Target, e: unknown): Outcome {
  const base = { provider: target.provider.name, servedModel: target.model, simulated: false };
  return errorOutcome(ctx, asPennyError(e), base);
}

/** The call, and its ticket ended with the outcome (with null when the call failed: the hold is released). */
function ticketedCall(
  ticket: CallTicket | null,
  ctx: RequestContext,
  target: Target,
  deps: ExecuteDeps,
): Promise<Outcome> {
  const call = callTarget(ctx, target, deps);
  if (ticket === null) return call;
  return call.then(
    (outcome) => {
      ticket.end(outcome);
      return outcome;
    },
    (e: unknown) => {
      ticket.end(null);
      throw e;
    },
  );
}

async function callTarget(ctx: RequestContext, target: Target, deps: ExecuteDeps): Promise<Outcome> {
  const provider = target.provider;
  const upstreamCodec = CODECS[upstreamDialectFor(target.provider.type, ctx.clientDialect)];
  const base = { provider: provider.name, servedModel: target.model, simulated: false };
  // A stream gets its own controller (early stop and a finished stream abort the upstream while the client
  // stays); a non-streamed call just follows the client's signal. A CallAbort, not an AbortController: its
  // creation, its abort at the end of every stream and the listeners cost ~3–4% of a streamed request's CPU.
  const ac = ctx.request.stream ? new CallAbort() : undefined;
  const onAbort = () => ac?.abort();
  if (ac) {
    if (ctx.signal.aborted) ac.abort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
  }
  // Set once the upstream has accepted the call (status < 400): from then on it is generating, and bills.
  let answered = false;
  try {
    const body =
      fastRequestBody(
        ctx.rawBody?.parsed === ctx.original ? ctx.rawBody.bytes : undefined,
        ctx.clientDialect,
        upstreamCodec.name,
        ctx.request,
        ctx.original,
        target.model,
      ) ??
      JSON.stringify(
        upstreamCodec.renderRequest(ctx.request, { model: target.model, forceStreamUsage: true }),
      );
    const apiKey = ctx.clientKey ?? provider.apiKey;
    // The module's own path when its dialect is served elsewhere than the provider type's (Responses API).
    const upstreamPath = providerModule(upstreamCodec.name).upstreamPath;
    const opts: CallOptions = {
      apiKey,
      signal: ac ? ac.signal : ctx.signal,
      onResponse: (status, headers) => {
        deps.onUpstreamResponse?.(status, headers);
        answered = status < 400;
      },
      ...(upstreamPath !== undefined ? { path: upstreamPath } : {}),
    };
    let text: string;
    if (ac === undefined) {
      // Not streamed: one promise for the whole answer, settled with its text.
      const res = await deps.upstreams.call(provider, target.model, body, opts);
      if (res.statusCode >= 400)
        throw answerError(upstreamCodec, provider.name, res.statusCode, res.headers, res.text);
      text = res.text;
    } else {
      const res = await deps.upstreams.open(provider, target.model, body, opts);
      if (res.statusCode >= 400) {
        const errText = await res.body.text().catch(() => '');
        throw answerError(upstreamCodec, provider.name, res.statusCode, res.headers, errText);
      }
      const ctype = String(res.headers['content-type'] ?? '');
      if (ctype.includes('text/event-stream')) return await pipeStream(ctx, target, res.body, ac, base);
      text = await res.body.text();
    }
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
    if (tooDeepAt(parsed) !== null)
      throw new ProviderError(
        'upstream_bad_response',
        provider.name,
        `provider "${provider.name}" returned JSON nested deeper than ${MAX_JSON_DEPTH} levels`,
      );
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
      body: out,
      upstreamText: { response, dialect: upstreamCodec.name, text },
    };
  } catch (e) {
    const err = ctx.signal.aborted
      ? new PennyError('client_aborted', 'the client closed the connection', { cause: e })
      : transportOrInternal(provider.name, e);
    const out = errorOutcome(ctx, err, base);
    if (answered || err.code === 'upstream_timeout' || err.code === 'client_aborted')
      out.usage = await cutCallUsage(ctx, target);
    return out;
  } finally {
    if (ac) ctx.signal.removeEventListener('abort', onAbort);
  }
}

/** An upstream's error answer (status >= 400) as the error its dialect's body describes. */
function answerError(
  codec: (typeof CODECS)[keyof typeof CODECS],
  provider: string,
  status: number,
  headers: UpstreamHeaders,
  text: string,
): PennyError {
  const err = codec.parseError(status, text, provider);
  err.clientHeaders = rateLimitHeaders(headers);
  return err;
}

/** A socket/undici failure (it has a string `code`) becomes a ProviderError; anything else stays internal. */
function transportOrInternal(provider: string, e: unknown): PennyError {
  if (e instanceof PennyError) return e;
  return typeof (e as { code?: unknown } | null)?.code === 'string'
    ? upstreamFailure(provider, e)
    : asPennyError(e);
}
