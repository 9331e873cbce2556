/**
 * One upstream call as an undici dispatch handler (undici 7's `onRequestStart`/`onResponse*` API), instead
 * of `Pool.request()`: that builds a RequestHandler (an AsyncResource), a BodyReadable (a whole
 * stream.Readable) and a promise per call, and its body is then read through stream events again. Penny reads
 * an answer in one of two ways only, so this handler serves exactly those:
 *  - whole (`UpstreamAnswer`): the chunks are collected and the call's one promise settles at the end of the
 *    body, with its text;
 *  - chunk by chunk (`UpstreamStream`): the call settles at the headers, and `body.each` hands every chunk
 *    to the reader as it arrives, pausing the upstream socket while the reader asks it to (backpressure).
 * Timeouts stay undici's (the pool's headersTimeout/bodyTimeout), and every failure reaches the caller as
 * the error undici raised, for `upstreamFailure` to map exactly as before. The call's signal aborts it at
 * any point; an abort reason of undefined becomes undici's RequestAbortedError, as `request()` made it.
 */
import { errors } from './undici-pool.js';
import type { Dispatcher } from 'undici';
import type { CallSignal } from '../core/call-signal.js';

export type UpstreamHeaders = Record<string, string | string[] | undefined>;

/** A whole answer: status, headers and the body's text (an error answer's body too). */
export interface UpstreamAnswer {
  statusCode: number;
  headers: UpstreamHeaders;
  text: string;
}

/** An answer whose body is read as it arrives (a stream), or whole when it turns out not to be one. */
export interface UpstreamStream {
  statusCode: number;
  headers: UpstreamHeaders;
  body: UpstreamBody;
}

/** The body of an `UpstreamStream`: read once, either whole or chunk by chunk. */
export interface UpstreamBody {
  /** The whole body as UTF-8 text. */
  text(): Promise<string>;
  /**
   * Hands each chunk to `onChunk` in order (those that arrived before, at once); settles at the end of the
   * body, or with the transport error, timeout or abort that ended it. `onChunk` returning false pauses the
   * upstream socket until `resume()` — the reader's own client is full.
   */
  each(onChunk: (chunk: Buffer) => boolean): Promise<void>;
  /** Takes chunks again after `onChunk` returned false. */
  resume(): void;
  /**
   * Reads no more: `each` settles now (resolved), the rest of the body is dropped and the upstream request
   * aborted (its socket is not reused mid-body), unless the body had already ended.
   */
  stop(): void;
}

const noop = (): void => {};
const NO_HEADERS: UpstreamHeaders = Object.freeze({}) as UpstreamHeaders;

/** Why a body the reader stopped is aborted: one shared Error, not one (with its stack) built per call. */
const STOPPED = Object.assign(new Error('the reader stopped reading the body'), { name: 'AbortError' });

type Controller = Dispatcher.DispatchController;

/**
 * The handler of one call. `whole` says which promise the caller holds: the answer's (settled at the end)
 * or the stream's (settled at the headers).
 */
export class UpstreamCall implements Dispatcher.DispatchHandler, UpstreamBody {
  #controller: Controller | null = null;
  /** Why the call was aborted (the signal's reason, any value as undici takes it), once it was. */
  #abortReason: Error | undefined = undefined;
  #signal: CallSignal | null;
  #onAbort: (() => void) | null = null;

  #statusCode = 0;
  #headers: UpstreamHeaders = {};
  /** Chunks received and not yet handed to a reader (or all of them, for a whole answer). */
  #chunks: Buffer[] = [];
  #ended = false;
  #error: unknown = undefined;
  #stopped = false;
  #paused = false;

  /** The reader of a stream's body, once it asked: by chunk, or whole. */
  #onChunk: ((chunk: Buffer) => boolean) | null = null;
  #wantsText = false;
  #resolveRead: ((v: undefined | string) => void) | null = null;
  #rejectRead: ((e: unknown) => void) | null = null;

  #resolveCall: (v: UpstreamAnswer | UpstreamStream) => void;
  #rejectCall: (e: unknown) => void;
  #onResponse: ((statusCode: number, headers: UpstreamHeaders) => void) | undefined;

  constructor(
    private readonly whole: boolean,
    signal: CallSignal,
    resolveCall: (v: UpstreamAnswer | UpstreamStream) => void,
    rejectCall: (e: unknown) => void,
    onResponse?: (statusCode: number, headers: UpstreamHeaders) => void,
  ) {
    this.#resolveCall = resolveCall;
    this.#rejectCall = rejectCall;
    this.#onResponse = onResponse;
    this.#signal = signal;
    if (signal.aborted) this.#abortReason = (signal.reason as Error) ?? new errors.RequestAbortedError();
    else {
      this.#onAbort = () => this.#abortFromSignal();
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  #abortFromSignal(): void {
    const reason = (this.#signal?.reason as Error | undefined) ?? new errors.RequestAbortedError();
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  #unlisten(): void {
    if (this.#onAbort !== null) this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#onAbort = null;
    this.#signal = null;
  }

  onRequestStart(controller: Controller): void {
    this.#controller = controller;
    if (this.#abortReason !== undefined) controller.abort(this.#abortReason);
  }

  onResponseStart(_c: Controller, statusCode: number, headers: UpstreamHeaders): void {
    if (statusCode < 200) return; // 1xx: informational, the answer follows
    this.#statusCode = statusCode;
    this.#headers = headers;
    this.#onResponse?.(statusCode, headers);
    if (!this.whole) this.#resolveCall({ statusCode, headers, body: this });
  }

  onResponseData(_c: Controller, chunk: Buffer): void {
    if (this.#stopped) return;
    if (this.#onChunk !== null && !this.#paused && this.#chunks.length === 0)
      this.#deliver(this.#onChunk, chunk);
    else this.#chunks.push(chunk);
  }

  /**
   * One chunk to the reader. It pausing takes effect at undici's next chunk (undici reads `paused` after each
   * onResponseData), which then waits in `#chunks`. A reader that throws ends the read with its error and
   * aborts the upstream, as a `for await` over a Readable did.
   */
  #deliver(onChunk: (chunk: Buffer) => boolean, chunk: Buffer): void {
    let more: boolean;
    try {
      more = onChunk(chunk);
    } catch (e) {
      this.#end(e);
      return;
    }
    if (!more && !this.#stopped) {
      this.#paused = true;
      this.#controller?.pause();
    }
  }

  onResponseEnd(controller: Controller): void {
    letGoOfRawHeaders(controller);
    this.#ended = true;
    this.#unlisten();
    if (this.whole) {
      this.#resolveCall({ statusCode: this.#statusCode, headers: this.#headers, text: joined(this.#chunks) });
      this.#chunks = [];
      this.#release();
      return;
    }
    this.#release();
    if (this.#stopped) return;
    if (this.#wantsText) this.#settle(undefined, joined(this.#chunks));
    else if (this.#onChunk !== null && this.#chunks.length === 0) this.#settle(undefined, undefined);
  }

  onResponseError(controller: Controller, err: unknown): void {
    letGoOfRawHeaders(controller);
    this.#unlisten();
    const resolveCall = this.#resolveCall;
    const rejectCall = this.#rejectCall;
    const headers = this.#headers;
    this.#release();
    if (this.whole && this.#statusCode >= 400) {
      // The error answer's status is what matters; a body cut short is read as empty, as before.
      resolveCall({ statusCode: this.#statusCode, headers, text: '' });
      return;
    }
    if (this.#statusCode === 0 || this.whole) {
      rejectCall(err);
      return;
    }
    if (this.#stopped || this.#ended) return;
    this.#error = err;
    this.#chunks = [];
    if (this.#onChunk !== null || this.#wantsText) this.#settle(err, undefined);
  }

  /**
   * Drops what the call no longer needs once undici has delivered its last event. undici does let go of a
   * finished request (its queue slot is nulled at completion), but a handler that lived through two scavenges
   * while its call was in flight sits in the old generation, and a dead old object still keeps whatever young
   * object it points at alive through every scavenge until the next mark-compact — which then promotes those
   * too. Whatever the handler still pointed at (the caller's promise and answer, the pipeline's onResponse
   * closure, the headers) was moved into the old generation that way (BENCHMARKS.md, Memory round 7).
   */
  #release(): void {
    this.#resolveCall = noop;
    this.#rejectCall = noop;
    this.#onResponse = undefined;
    this.#headers = NO_HEADERS;
    // The controller stays: it is undici's own (kept with the request anyway), and a reader that paused
    // before the end still resumes the connection through it.
  }

  #settle(err: unknown, value: string | undefined): void {
    const resolve = this.#resolveRead;
    const reject = this.#rejectRead;
    this.#resolveRead = null;
    this.#rejectRead = null;
    this.#onChunk = null;
    if (err !== undefined) reject?.(err);
    else resolve?.(value);
  }

  text(): Promise<string> {
    if (this.#onChunk !== null || this.#wantsText) return Promise.reject(new Error('body already read'));
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#ended) {
      const text = joined(this.#chunks);
      this.#chunks = [];
      return Promise.resolve(text);
    }
    this.#wantsText = true;
    return new Promise<string>((resolve, reject) => {
      this.#resolveRead = resolve as (v: undefined | string) => void;
      this.#rejectRead = reject;
    });
  }

  each(onChunk: (chunk: Buffer) => boolean): Promise<void> {
    if (this.#onChunk !== null || this.#wantsText) return Promise.reject(new Error('body already read'));
    if (this.#error !== undefined) return Promise.reject(this.#error);
    this.#onChunk = onChunk;
    const done = new Promise<void>((resolve, reject) => {
      this.#resolveRead = resolve as (v: undefined | string) => void;
      this.#rejectRead = reject;
    });
    this.#flush();
    return done;
  }

  resume(): void {
    if (!this.#paused || this.#stopped) return;
    this.#paused = false;
    this.#flush();
    if (!this.#paused) this.#controller?.resume();
  }

  /** Hands the chunks that waited to the reader, until it pauses; settles when the body had ended. */
  #flush(): void {
    const onChunk = this.#onChunk;
    if (onChunk === null) return;
    while (this.#chunks.length > 0 && !this.#paused && !this.#stopped)
      this.#deliver(onChunk, this.#chunks.shift()!);
    if (this.#ended && this.#chunks.length === 0 && !this.#stopped && !this.#paused)
      this.#settle(undefined, undefined);
  }

  stop(): void {
    this.#end(undefined);
  }

  /** Ends the read (resolved, or rejected with `err`) and aborts the upstream if its body is not over. */
  #end(err: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#chunks = [];
    this.#settle(err, this.#wantsText ? '' : undefined);
    this.#unlisten();
    if (!this.#ended && this.#error === undefined) this.#controller?.abort(STOPPED);
  }
}

/**
 * undici's UnwrapController keeps the answer's raw header and trailer lines (Buffers sliced from the socket's
 * read chunk, which each keep that whole chunk alive) after the handler has its parsed copy; the controller
 * is held by the request, the wrapper and this handler, so once any of them was promoted mid-call those
 * Buffers and their chunk were promoted with it: 3.69 → 2.30 KB promoted per request and 13.6 → 0.5 MB of
 * ArrayBuffers after the memory bench's cells (BENCHMARKS.md, issue 14 item 3, round 7). Nothing reads them
 * after the last event.
 */
function letGoOfRawHeaders(controller: Controller): void {
  controller.rawHeaders = null;
  controller.rawTrailers = null;
}

function joined(chunks: Buffer[]): string {
  if (chunks.length === 0) return '';
  return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
}
