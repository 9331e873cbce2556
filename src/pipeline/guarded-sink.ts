/**
 * The sink every stage writes through. It makes header values safe (`safeHeaders`) and it never throws: a
 * failure while writing the answer (a header Node refuses, a stream the client's side already tore down …)
 * is caught and remembered, the client gets an error in its dialect when nothing was sent yet, or a closed
 * connection when the answer had started — never a hang — and the sink reports itself closed from then on,
 * so the pipeline ends as for a client that left. The gateway reads `failure` when it settles, so the
 * ledger entry is written and says what the client got.
 */
import { safeHeaders } from '../core/header-value.js';
import type { ResponseSink } from './context.js';

export interface SinkFailure {
  error: unknown;
  /** What the client got: the status of the error answer sent, or of the answer that was cut. */
  httpStatus: number;
  /** True when the client got a complete error answer; false when its connection was closed. */
  answered: boolean;
}

export class GuardedSink implements ResponseSink {
  #failure: SinkFailure | undefined;
  #status: number | undefined;

  constructor(
    private readonly inner: ResponseSink,
    /** The error body to send (status, JSON text) when the answer fails before anything was sent. */
    private readonly fallback: () => { status: number; body: string },
  ) {}

  get failure(): SinkFailure | undefined {
    return this.#failure;
  }

  get closed(): boolean {
    return this.#failure !== undefined || this.inner.closed;
  }

  json(status: number, headers: Record<string, string>, body: string | Buffer): void {
    if (this.closed) return;
    try {
      this.inner.json(status, safeHeaders(headers), body);
      this.#status = status;
    } catch (e) {
      this.fail(e);
    }
  }

  startStream(status: number, headers: Record<string, string>): void {
    if (this.closed) return;
    try {
      this.inner.startStream(status, safeHeaders(headers));
      this.#status = status;
    } catch (e) {
      this.fail(e);
    }
  }

  write(chunk: string | Buffer): void {
    if (this.closed) return;
    try {
      this.inner.write(chunk);
    } catch (e) {
      this.fail(e);
    }
  }

  end(): void {
    if (this.closed) return;
    try {
      this.inner.end();
    } catch (e) {
      this.fail(e);
    }
  }

  abort(): void {
    try {
      this.inner.abort?.();
    } catch {
      // Nothing more can be done for this client.
    }
  }

  full(onDrain: () => void): boolean {
    if (this.closed) return false;
    try {
      return this.inner.full?.(onDrain) ?? false;
    } catch (e) {
      this.fail(e);
      return false;
    }
  }

  /** Records a failure to write the answer and gives the client whatever is still possible. */
  fail(error: unknown): void {
    if (this.#failure) return;
    if (this.#status === undefined && !this.inner.closed) {
      const fb = this.fallback();
      try {
        this.inner.json(fb.status, { 'content-type': 'application/json' }, fb.body);
        this.#failure = { error, httpStatus: fb.status, answered: true };
        return;
      } catch {
        // Fall through: close the connection.
      }
    }
    this.#failure = { error, httpStatus: this.#status ?? 500, answered: false };
    this.abort();
  }
}
