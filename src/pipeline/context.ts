/**
 * Per-request state that flows through the pipeline. Stages read and change `request`; `original` keeps
 * the request exactly as the client sent it, which is what the baseline cost is measured against. What a
 * stage decided goes in its typed slot (`slots`), what it changed that costs or saves money in `money`
 * (facts settle prices), and changes that depend on the provider of an attempt in `perTarget`.
 */
import type { CallSignal } from '../core/call-signal.js';
import type { FeatureConfig } from '../config/schema.js';
import type { PennyError } from '../core/errors.js';
import type { CanonicalRequest, Dialect } from '../core/request.js';
import type { CanonicalResponse, StreamEvent } from '../core/response.js';
import type { Usage } from '../core/usage.js';
import type { Target } from '../providers/resolve-target.js';
import { type AttemptFacts, type MoneyFacts, newMoneyFacts } from './settle/facts.js';
import { Slots } from './slots.js';

export interface Attribution {
  feature: string | null;
  user: string | null;
  /** Penny token name, or a fingerprint of the client's own provider key — never the key itself. */
  keyId: string | null;
}

/** Where the answer goes: the HTTP response of the gateway, or a Response built by penny.fetch. */
export interface ResponseSink {
  readonly closed: boolean;
  json(status: number, headers: Record<string, string>, body: string | Buffer): void;
  startStream(status: number, headers: Record<string, string>): void;
  write(chunk: string | Buffer): void;
  end(): void;
  /** Gives up on this client: closes its connection (or errors its stream) without a proper answer. */
  abort?(): void;
  /**
   * Backpressure for a stream: true when the client's connection holds more than it should take (a slow
   * reader), and `onDrain` is then called once, when it takes more — never if the connection closes (the
   * call's signal aborts the upstream then). A stream piped from an upstream pauses that upstream meanwhile,
   * so a slow client does not make Penny buffer a whole answer. Absent, or false: write on.
   */
  full?(onDrain: () => void): boolean;
}

export interface RequestContext {
  id: string;
  /** Start, ms since epoch. */
  startedAt: number;
  /** Start, monotonic ns. */
  t0: bigint;
  clientDialect: Dialect;
  /** The request as the stages leave it. */
  request: CanonicalRequest;
  /** The request exactly as the client sent it. */
  readonly original: CanonicalRequest;
  /**
   * The client's body bytes and the request they were parsed into (the HTTP face, Chat Completions and
   * Messages), for the same-dialect fast path (execute/fast-body.ts); absent when there are none
   * (penny.fetch, Responses). A context built for another call (a micro-batch's shared call, a summary, a
   * shadow run) may copy this field but has another `original`: the bytes are used only while
   * `rawBody.parsed === original`, so such a call is never sent the client's bytes.
   */
  readonly rawBody?: { readonly bytes: Buffer; readonly parsed: CanonicalRequest };
  attribution: Attribution;
  /** The policy of the request's feature (its section, else `default`), resolved once by the gateway. */
  policy: FeatureConfig | undefined;
  /** The client's own provider key, when it sent one and pass-through is on. */
  clientKey: string | undefined;
  /** Aborted when the client goes away. */
  signal: CallSignal;
  sink: ResponseSink;
  /** The client's request headers (lower-case names), for per-request controls such as x-penny-cache. */
  requestHeaders?: Readonly<Record<string, string | string[] | undefined>>;
  /** Response headers added by stages (x-penny-cache …). */
  headers: Record<string, string>;
  flags: string[];
  /** What stages decided, by typed slot; written to the ledger entry's `meta` at settle. */
  slots: Slots;
  /** What stages changed that costs or saves money, for settle to price. */
  money: MoneyFacts;
  /**
   * Changes made per attempt, once its target is known (prompt-cache markers suit one provider only): the
   * execute step runs them, in order, on the request of every attempt — first try, fallback, cascade step.
   */
  perTarget: TargetAdapter[];
  /** Watches a streamed answer as it is decoded and may end it early (server-side early stop). */
  streamObserver?: StreamObserver;
  /** Sees every upstream call before and after it (budget reservations); copied into child contexts. */
  callGuard?: CallGuard;
}

/**
 * The hook every upstream call passes through (`executeSingle`): the governance guard puts one on the
 * context to reserve each call's worst-case cost against budgets. `begin` runs before anything is sent and
 * may refuse the call by throwing a PennyError; the ticket's `end` runs once the call is over, with its
 * outcome (null when it threw).
 */
export interface CallGuard {
  /** A value when the call is admitted at once, a promise when the guard must wait (for a store). */
  begin(ctx: RequestContext, target: Target): CallTicket | null | Promise<CallTicket | null>;
}

export interface CallTicket {
  end(outcome: Outcome | null): void;
}

/** What a stream observer sends instead of the event it stopped on: the answer is complete. */
export interface StreamCut {
  /** Events to forward before the stream is closed (e.g. the text delta cut at the stop point). */
  last: StreamEvent[];
  /** Text the upstream generated past the cut, which was billed but not forwarded. */
  discardedText: string;
}

/** A per-attempt change of the request for its target, with facts about what it did. */
export type TargetAdapter = (
  request: CanonicalRequest,
  target: Target,
) => { request: CanonicalRequest; facts?: AttemptFacts };

export interface StreamObserver {
  /** Called with each decoded upstream event before it is forwarded; a cut ends the stream there. */
  observe(ev: StreamEvent): StreamCut | null;
}

export interface Outcome {
  status: 'ok' | 'error' | 'aborted';
  httpStatus: number;
  provider: string | null;
  servedModel: string | null;
  usage: Usage | null;
  /** The assembled answer (also for streams), for stages that check or store it. */
  response: CanonicalResponse | null;
  error: PennyError | null;
  ttftMs: number | null;
  simulated: boolean;
  /** True when the body was already written to the sink (streams). */
  written: boolean;
  /** Client-dialect body to write, for non-streamed answers not yet written. */
  body?: string | Buffer;
  /**
   * The upstream's own JSON text of `response` in its dialect, for an answer read whole: its codec parses
   * `text` into `response` (creation time aside). Valid only while `outcome.response` is `response`; the
   * response cache stores `text` instead of serialising the response again (cache/entry-codec.ts).
   */
  upstreamText?: { response: CanonicalResponse; dialect: Dialect; text: string };
  /** Facts about the attempt that produced this outcome (settle reads them). */
  attemptFacts?: AttemptFacts;
}

/** What a new context needs; the per-request collections start empty unless given. */
export type ContextInit = Omit<
  RequestContext,
  'policy' | 'headers' | 'flags' | 'slots' | 'money' | 'perTarget'
> &
  Partial<Pick<RequestContext, 'policy' | 'headers' | 'flags' | 'slots' | 'money' | 'perTarget'>>;

export function createContext(init: ContextInit): RequestContext {
  return {
    policy: undefined,
    headers: {},
    flags: [],
    slots: new Slots(),
    money: newMoneyFacts(),
    perTarget: [],
    ...init,
  };
}

export function elapsedMs(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
