/**
 * The gateway core shared by every face (HTTP server, penny.fetch): parse the client's body into the
 * canonical request, attribute it, run the pipeline stages around execution, answer in the client's dialect,
 * and settle one ledger entry — for successes and failures alike.
 */
import { CircuitBreakers } from '../resilience/circuit-breaker.js';
import { breakerOptions } from '../resilience/config.js';
import { MAX_STORED_TEXT, boundText, headerText } from '../core/bounded-text.js';
import { MAX_JSON_DEPTH, formatJsonPath, tooDeepAt } from '../core/json-depth.js';
import { MIN_SECRET_LENGTH, forgetSecret, rememberSecret } from '../core/known-secrets.js';
import { InvalidRequestError, PennyError, asPennyError } from '../core/errors.js';
import { InFlightSet } from '../core/in-flight-set.js';
import type { CallSignal } from '../core/call-signal.js';
import type { LedgerEntry } from '../core/ledger-entry.js';
import { moneyToDecimal } from '../core/money.js';
import type { CanonicalRequest, Dialect } from '../core/request.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../observability/logger.js';
import type { PriceCatalog } from '../pricing/catalog.js';
import { CODECS } from '../providers/codecs.js';
import { toWireError } from '../providers/wire-error.js';
import { type Target, TargetResolver } from '../providers/resolve-target.js';
import { SIMULATED_PROVIDER, SIMULATED_UPSTREAM, simulate } from '../providers/simulated/simulated.js';
import { Upstreams } from '../providers/upstream.js';
import type { LoadedConfig } from '../config/load.js';
import {
  type CallTicket,
  type Attribution,
  type Outcome,
  type RequestContext,
  type ResponseSink,
  createContext,
} from './context.js';
import { executionPlanOf } from './execute/plan.js';
import { executePlan } from './execute/run-plan.js';
import { answerWith } from './execute/answer.js';
import { executeAttempt } from './execute/attempt.js';
import { errorOutcome } from './execute/outcomes.js';
import { type KeyedCall, providerKeyFor, sentSecrets } from './provider-key.js';
import { newRequestId } from './request-id.js';
import { GuardedSink } from './guarded-sink.js';
import { buildEntry } from './settle/entry.js';
import { settle, unsettled } from './settle/settle.js';
import type { Settlement } from './settle/settlement.js';
import { type Composed, type Stage, compose } from './stage.js';
import { featurePolicy } from './stage-deps.js';

export type Headers = Record<string, string | string[] | undefined>;

export interface IncomingCall {
  dialect: Dialect;
  /** The parsed JSON body. */
  body: unknown;
  /** The bytes `body` was parsed from, when the face has them (the same-dialect fast path forwards them). */
  raw?: Buffer;
  headers: Headers;
  sink: ResponseSink;
  signal: CallSignal;
  /** A failure found before the body could be used (bad JSON, too large, unauthorized). */
  preError?: PennyError;
  /** Name of the Penny token the caller presented, when auth is on. */
  tokenName?: string;
  /** Values that are Penny tokens, so they are never mistaken for provider keys. */
  isPennyToken?: (value: string) => boolean;
  /**
   * While the server shuts down: resolves once the answer left (true) or was cut (false); the entry is
   * recorded after it, so an answer cut at the end of the grace period is never recorded `ok`.
   */
  delivered?: () => Promise<boolean> | undefined;
}

export interface GatewayDeps {
  loaded: LoadedConfig;
  catalog: PriceCatalog;
  ledger: Ledger;
  logger: Logger;
  upstreams?: Upstreams;
  /** The gateway's model → target resolver (shared with the stages); built from `loaded` when not given. */
  resolver?: TargetResolver;
  stages?: Stage[];
  /** Observers of every settled entry (metrics …). */
  onSettled?: Array<(entry: LedgerEntry) => void>;
}

export class Gateway {
  readonly resolver: TargetResolver;
  readonly upstreams: Upstreams;
  readonly simulated: boolean;
  private readonly stages: Stage[];
  private readonly pipeline: Composed;

  constructor(readonly deps: GatewayDeps) {
    this.resolver = deps.resolver ?? new TargetResolver(deps.loaded);
    const cb = deps.loaded.config.circuitBreaker;
    this.upstreams =
      deps.upstreams ?? new Upstreams(cb.enabled ? new CircuitBreakers(breakerOptions(cb)) : null);
    this.simulated = !this.resolver.hasProviders;
    this.stages = deps.stages ?? [];
    this.pipeline = compose(this.stages);
    this.secrets = configuredSecrets(deps.loaded);
    for (const s of this.secrets) rememberSecret(s);
  }

  /** Keys and tokens from the configuration, masked by value wherever they might appear (known-secrets.ts). */
  private readonly secrets: string[];

  /** Calls not yet settled: an intrusive list, not a Set (core/in-flight-set.ts says why). */
  private readonly inflight = new InFlightSet<Promise<LedgerEntry>>();

  /**
   * Handles one call; the promise settles after its ledger entry is appended. Whatever fails on the way, the
   * call ends with an entry: the pipeline's errors become error outcomes, the answer is written through a
   * sink that cannot throw (GuardedSink), and anything still escaping is settled by `settleUnexpected`.
   */
  handle(call: IncomingCall): Promise<LedgerEntry> {
    const startedAt = Date.now();
    const id = newRequestId(startedAt);
    const t0 = process.hrtime.bigint();
    const guarded: IncomingCall = { ...call, sink: guardSink(call.sink, call.dialect) };
    // Whatever key the client sent is masked by value in every log line and error until the entry is settled.
    const sent = sentSecrets(call.headers);
    for (const s of sent) rememberSecret(s);
    const p = this.process(guarded, id, startedAt, t0).catch((e) =>
      this.settleUnexpected(guarded, id, startedAt, t0, e),
    );
    const node = this.inflight.add(p);
    const done = () => {
      this.inflight.remove(node);
      for (const s of sent) forgetSecret(s);
    };
    p.then(done, done);
    return p;
  }

  /** Resolves when every request in flight has settled. */
  async drain(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled(this.inflight.values());
  }

  private async process(call: IncomingCall, id: string, startedAt: number, t0: bigint): Promise<LedgerEntry> {
    const codec = CODECS[call.dialect];
    let request: CanonicalRequest;
    try {
      if (call.preError) throw call.preError;
      checkDepth(call.body);
      request = codec.parseRequest(call.body);
    } catch (e) {
      const err =
        e instanceof PennyError
          ? e
          : new InvalidRequestError(`invalid request: ${(e as Error).message}`, undefined, e);
      return this.rejectEarly(call, id, startedAt, t0, err);
    }
    const attribution = attribute(call, request);
    const ctx = createContext({
      id,
      startedAt,
      t0,
      clientDialect: call.dialect,
      request,
      original: request,
      ...(call.raw !== undefined ? { rawBody: { bytes: call.raw, parsed: request } } : {}),
      attribution,
      policy: featurePolicy(this.deps.loaded, attribution.feature),
      clientKey: undefined,
      signal: call.signal,
      sink: call.sink,
      requestHeaders: call.headers,
      headers: { 'x-penny-request-id': id },
    });
    let outcome: Outcome;
    try {
      outcome = await this.pipeline(ctx, () => this.execute(ctx, call));
    } catch (e) {
      outcome = errorOutcome(ctx, asPennyError(e), {
        provider: null,
        servedModel: null,
        simulated: this.simulated,
      });
    }
    return this.finish(ctx, outcome, call);
  }

  /**
   * The last step: one upstream call (or the simulated upstream when no provider is configured). A plain
   * function returning the call's own promise: an async one would add three microtask turns between the
   * upstream's answer and the client's.
   */
  private execute(ctx: RequestContext, call: IncomingCall): Promise<Outcome> {
    if (this.simulated) return this.executeSimulated(ctx);
    const plan = executionPlanOf(ctx);
    if (plan) {
      return executePlan(ctx, plan, {
        upstreams: this.upstreams,
        logger: this.deps.logger,
        resolver: this.resolver,
        keyFor: (t) => this.providerKeyFor(call, t, ctx.attribution),
      });
    }
    let target: Target;
    try {
      target = this.resolver.resolve(ctx.request.model);
    } catch (e) {
      return Promise.resolve(
        errorOutcome(ctx, asPennyError(e), { provider: null, servedModel: null, simulated: false }),
      );
    }
    ctx.headers['x-penny-provider'] = target.provider.name;
    ctx.clientKey = this.providerKeyFor(call, target, ctx.attribution);
    return executeAttempt(ctx, target, { upstreams: this.upstreams, logger: this.deps.logger });
  }

  private async executeSimulated(ctx: RequestContext): Promise<Outcome> {
    ctx.headers['x-penny-simulated'] = 'true';
    ctx.headers['x-penny-provider'] = SIMULATED_PROVIDER;
    const base = { provider: SIMULATED_PROVIDER, servedModel: ctx.request.model, simulated: true };
    // Reserved like a real call, so budgets hold (and can be tried out) with no provider configured.
    let ticket: CallTicket | null = null;
    if (ctx.callGuard) {
      try {
        ticket = await ctx.callGuard.begin(ctx, { provider: SIMULATED_UPSTREAM, model: ctx.request.model });
      } catch (e) {
        return errorOutcome(ctx, asPennyError(e), base);
      }
    }
    const out = answerWith(ctx, simulate(ctx.request), base);
    ticket?.end(out);
    return out;
  }

  /** A provider key the client sent itself, used when pass-through is on and it suits the target. */
  providerKeyFor(call: KeyedCall, target: Target, attribution: Attribution): string | undefined {
    return providerKeyFor(this.deps.loaded.config.server.passThroughKeys, call, target, attribution);
  }

  private async finish(ctx: RequestContext, outcome: Outcome, call: IncomingCall): Promise<LedgerEntry> {
    let priced: Settlement;
    try {
      priced = settle(ctx, outcome, this.deps.catalog);
    } catch (e) {
      this.deps.logger.error('pricing failed', { id: ctx.id, error: e });
      priced = unsettled(ctx, 'pricing_failed');
    }
    const sink = ctx.sink;
    try {
      if (!outcome.written && !sink.closed) {
        const headers: Record<string, string> = { 'content-type': 'application/json', ...ctx.headers };
        if (outcome.servedModel) headers['x-penny-model'] = outcome.servedModel;
        // The upstream's retry-after / rate-limit headers, so the client's SDK backs off as the provider asked.
        if (outcome.status !== 'ok' && outcome.error?.clientHeaders)
          Object.assign(headers, outcome.error.clientHeaders);
        if (outcome.status === 'ok')
          headers['x-penny-cost-usd'] = priced.cost === null ? 'unknown' : moneyToDecimal(priced.cost);
        sink.json(outcome.httpStatus, headers, outcome.body ?? '');
      }
    } catch (e) {
      failSink(sink, e);
    }
    const entry = buildEntry(ctx, answeredAs(sink, outcome, priced), priced);
    // While the server stops, the entry waits for the answer to leave, so a cut answer is never recorded ok.
    const gate = call.delivered?.();
    if (gate !== undefined) await gate.catch(() => undefined);
    if (isShutdownCut(call.signal)) markShutdownCut(entry);
    this.settle(entry, outcome);
    return entry;
  }

  /** The last resort: something escaped the pipeline. The client gets an error (or a closed socket), the ledger an entry. */
  private settleUnexpected(
    call: IncomingCall,
    id: string,
    startedAt: number,
    t0: bigint,
    e: unknown,
  ): LedgerEntry {
    const err = asPennyError(e);
    this.deps.logger.error('request handling failed', { id, error: e });
    failSink(call.sink, e);
    const ctx = stubContext(call, id, startedAt, t0);
    const outcome: Outcome = {
      status: 'error',
      httpStatus: err.status,
      provider: null,
      servedModel: null,
      usage: null,
      response: null,
      error: err,
      ttftMs: null,
      simulated: this.simulated,
      written: true,
    };
    const priced = unsettled(ctx, 'internal_failure');
    const entry = buildEntry(ctx, answeredAs(call.sink, outcome, priced), priced);
    this.settle(entry, outcome);
    return entry;
  }

  private rejectEarly(
    call: IncomingCall,
    id: string,
    startedAt: number,
    t0: bigint,
    err: PennyError,
  ): LedgerEntry {
    const wire = toWireError(err, call.dialect);
    if (!call.sink.closed)
      call.sink.json(
        wire.status,
        { 'content-type': 'application/json', 'x-penny-request-id': id },
        JSON.stringify(wire.body),
      );
    const ctx = stubContext(call, id, startedAt, t0);
    const outcome: Outcome = {
      status: 'error',
      httpStatus: wire.status,
      provider: null,
      servedModel: null,
      usage: null,
      response: null,
      error: err,
      ttftMs: null,
      simulated: this.simulated,
      written: true,
    };
    const priced = settle(ctx, outcome, this.deps.catalog);
    const entry = buildEntry(ctx, answeredAs(call.sink, outcome, priced), priced);
    this.settle(entry, outcome);
    return entry;
  }

  /** Settles an entry made outside the chat pipeline (embeddings, legacy completions): ledger and observers. */
  record(entry: LedgerEntry, error: PennyError | null = null): void {
    this.settle(entry, { status: entry.status, error });
  }

  private settle(entry: LedgerEntry, outcome: Pick<Outcome, 'status' | 'error'>): void {
    if (outcome.error && outcome.status === 'error') {
      this.deps.logger.warn('request failed', {
        id: entry.id,
        code: outcome.error.code,
        status: entry.httpStatus,
        provider: entry.provider,
        model: entry.requestedModel,
        message: outcome.error.message,
      });
    }
    try {
      this.deps.ledger.append(entry);
    } catch (e) {
      this.deps.logger.error('ledger append failed', { id: entry.id, error: e });
    }
    for (const f of this.deps.onSettled ?? []) {
      try {
        f(entry);
      } catch (e) {
        this.deps.logger.error('settle observer failed', { error: e });
      }
    }
  }

  async close(): Promise<void> {
    await this.drain();
    for (const s of this.secrets) forgetSecret(s);
    this.secrets.length = 0;
    for (const s of this.stages) await s.close?.();
    await this.upstreams.close();
  }
}

/** Refuses client JSON nested deeper than MAX_JSON_DEPTH, naming where (no recursive walk may then overflow). */
function checkDepth(body: unknown): void {
  const at = tooDeepAt(body);
  if (at === null) return;
  throw new InvalidRequestError(
    `${formatJsonPath(at, 6)} nests JSON deeper than ${MAX_JSON_DEPTH} levels; flatten it`,
    formatJsonPath(at, 4).replace(/…$/, ''),
  );
}

/** Wraps the client's sink so writing the answer can never throw into the pipeline (see GuardedSink). */
function guardSink(sink: ResponseSink, dialect: Dialect): GuardedSink {
  if (sink instanceof GuardedSink) return sink;
  return new GuardedSink(sink, () => {
    const w = toWireError(
      new PennyError(
        'internal',
        'internal error: Penny could not write the answer; the request was recorded',
      ),
      dialect,
    );
    return { status: w.status, body: JSON.stringify(w.body) };
  });
}

function failSink(sink: ResponseSink, e: unknown): void {
  if (sink instanceof GuardedSink) sink.fail(e);
  else sink.abort?.();
}

/**
 * The outcome as the client got it: when writing the answer failed, the entry keeps the usage and cost (the
 * provider billed them) but says the client got an error (or a cut connection), not what was meant.
 */
function answeredAs(sink: ResponseSink, outcome: Outcome, priced: Settlement): Outcome {
  const f = sink instanceof GuardedSink ? sink.failure : undefined;
  if (!f) return outcome;
  if (!priced.flags.includes('response_write_failed')) priced.flags.push('response_write_failed');
  const message = f.error instanceof Error ? f.error.message : String(f.error);
  return {
    ...outcome,
    status: 'error',
    httpStatus: f.httpStatus,
    error:
      outcome.error && outcome.status !== 'ok'
        ? outcome.error
        : new PennyError('internal', `internal error: writing the answer failed: ${message}`, {
            cause: f.error,
          }),
  };
}

/** A context for a call whose body could not be used (or whose handling failed before it had one). */
function stubContext(call: IncomingCall, id: string, startedAt: number, t0: bigint): RequestContext {
  const body = call.body as { model?: unknown; stream?: unknown } | undefined;
  const model = typeof body?.model === 'string' ? boundText(body.model, MAX_STORED_TEXT) : '';
  const stub = {
    dialect: call.dialect,
    model,
    system: [],
    messages: [],
    stream: body?.stream === true,
    extra: {},
  } as CanonicalRequest;
  return createContext({
    id,
    startedAt,
    t0,
    clientDialect: call.dialect,
    request: stub,
    original: stub,
    attribution: attribute(call, undefined),
    clientKey: undefined,
    signal: call.signal,
    sink: call.sink,
  });
}

/** The server cut this request at the end of its shutdown grace period (see server/shutdown.ts). */
function isShutdownCut(signal: CallSignal): boolean {
  const r: unknown = signal.reason;
  return signal.aborted && r instanceof PennyError && r.code === 'shutting_down';
}

/** An answer cut by the shutdown is recorded as what it was: aborted, not ok — and not a client abort. */
function markShutdownCut(entry: LedgerEntry): void {
  entry.status = 'aborted';
  entry.httpStatus = 503;
  entry.errorClass = 'shutting_down';
  entry.flags = entry.flags.filter((f) => f !== 'client_aborted');
  entry.flags.push('shutdown_cut');
}

/** Every key and token in the configuration: provider keys, key-like provider headers, Penny's tokens, and any `apiKey` / `apiKeyEnv` below (embedders …). */
function configuredSecrets(loaded: LoadedConfig): string[] {
  const out = new Set<string>();
  for (const p of loaded.providers) {
    if (p.apiKey) out.add(p.apiKey);
    for (const [k, v] of Object.entries(p.headers ?? {}))
      if (/key|token|auth|secret/i.test(k) && typeof v === 'string') out.add(v.replace(/^Bearer\s+/i, ''));
  }
  const server = loaded.config.server;
  for (const v of Object.values(server.authTokens ?? {})) out.add(v);
  if (server.adminToken) out.add(server.adminToken);
  // Iterative walk of the rest of the configuration for apiKey / apiKeyEnv fields.
  const stack: unknown[] = [loaded.config];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    for (const [k, c] of Object.entries(v)) {
      if (k === 'apiKey' && typeof c === 'string') out.add(c);
      else if (k === 'apiKeyEnv' && typeof c === 'string' && process.env[c]) out.add(process.env[c]!);
      else if (c !== null && typeof c === 'object') stack.push(c);
    }
  }
  return [...out].filter((s) => s.length >= MIN_SECRET_LENGTH);
}

function header(h: Headers, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Who the request is for: x-penny-feature / x-penny-user headers, else the body's user fields. */
export function attribute(
  call: Pick<IncomingCall, 'headers' | 'tokenName'>,
  req: CanonicalRequest | undefined,
): Attribution {
  const text = (v: string | undefined) => (v ? boundText(headerText(v), 200) : undefined);
  const feature = text(header(call.headers, 'x-penny-feature')) || null;
  const user = text(header(call.headers, 'x-penny-user')) || (req?.user ? boundText(req.user, 200) : null);
  return { feature, user, keyId: call.tokenName ?? null };
}
