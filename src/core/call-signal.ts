/**
 * A call's abort signal, as the gateway reads it: aborted (and why) when the client goes away or the server
 * cuts the answer. A real `AbortSignal` is one (penny.fetch, the cache's flights); the HTTP face uses
 * `CallAbort`, the same contract in one plain object. Node's AbortController costs a few µs per request
 * (its signal is an EventTarget re-prototyped at creation, plus undici's listener on it), measured at 3–5% of
 * a request's CPU in the profile of the default path; the signal of a call that nobody aborts needs none of it.
 *
 * The upstream call listens to it itself (providers/upstream-call.ts: `aborted`, `reason`, one listener).
 * Anything that needs a real AbortSignal (WHATWG fetch, `AbortSignal.any`) gets one from `toAbortSignal`.
 */

export interface CallSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** An AbortController and its signal in one object: listeners run once, in order, on the first `abort`. */
export class CallAbort implements CallSignal {
  aborted = false;
  reason: unknown = undefined;
  #listeners: Array<() => void> | null = null;

  get signal(): CallSignal {
    return this;
  }

  addEventListener(type: 'abort', listener: () => void): void {
    if (type !== 'abort' || this.aborted) return;
    if (this.#listeners === null) this.#listeners = [];
    const list = this.#listeners;
    // Like EventTarget: the same listener added twice is called once.
    if (!list.includes(listener)) list.push(listener);
  }

  removeEventListener(type: 'abort', listener: () => void): void {
    const list = this.#listeners;
    if (type !== 'abort' || list === null) return;
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
  }

  /** Aborts once (later calls do nothing); the reason defaults to an AbortError, as AbortController's does. */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason =
      reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const list = this.#listeners;
    this.#listeners = null;
    if (list === null) return;
    for (const f of list) {
      try {
        f.call(this);
      } catch (e) {
        // As EventTarget does: a throwing listener does not stop the others; its error is uncaught.
        process.nextTick(() => {
          throw e;
        });
      }
    }
  }
}
