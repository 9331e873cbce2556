/** ResponseSink over node:http's ServerResponse: the gateway's hot path writes straight to the socket. */
import type { ServerResponse } from 'node:http';
import type { ResponseSink } from '../pipeline/context.js';

/** What the sink tells when the client's connection closed before the answer was complete. */
export interface GoneListener {
  abort(): void;
}

export class NodeSink implements ResponseSink {
  private gone = false;

  constructor(
    private readonly res: ServerResponse,
    onGone: GoneListener,
  ) {
    res.on('close', () => {
      if (!res.writableFinished) {
        this.gone = true;
        onGone.abort();
      }
    });
  }

  get closed(): boolean {
    return this.gone || this.res.destroyed;
  }

  /**
   * Headers as node:http's flat [name, value, …] list: the given object is never modified (it may be a
   * stage's, or shared by a cache flight's followers), and no second object is built to add the length.
   */
  json(status: number, headers: Record<string, string>, body: string | Buffer): void {
    if (this.closed) return;
    const length = String(typeof body === 'string' ? Buffer.byteLength(body) : body.length);
    this.res.writeHead(status, flatHeaders(headers, 'content-length', length));
    this.res.end(body);
  }

  /**
   * A stream's writes are held (the socket corked) until the check phase of the event-loop turn that made
   * them, then sent together: the headers leave with the first chunk when it is already there, and when
   * the upstream's last event and its end arrive in one read (the common case for short answers), the last
   * chunk and the end of the chunked body leave in one write(2) instead of two. Nothing waits for a later
   * turn: a client still has the headers before the first token, and each chunk within the turn it came in.
   */
  startStream(status: number, headers: Record<string, string>): void {
    if (this.closed) return;
    this.res.writeHead(status, flatHeaders(headers));
    this.wrote = false;
    this.hold();
  }

  /** False between `startStream` and the first write: the headers are not sent yet. */
  private wrote = true;
  /** True while this sink holds a cork on the response (writes since the last release). */
  private corked = false;

  write(chunk: string | Buffer): void {
    this.wrote = true;
    if (this.closed) return;
    this.hold();
    this.res.write(chunk);
  }

  end(): void {
    this.wrote = true;
    // node:http's end() uncorks fully: what is held leaves with the end of the body.
    this.corked = false;
    if (!this.closed && !this.res.writableEnded) this.res.end();
  }

  /** Sends what the turn wrote (or a stream's headers alone, when nothing was written yet). */
  release(): void {
    if (!this.corked) return;
    this.corked = false;
    if (this.closed) return;
    if (!this.wrote) {
      this.wrote = true;
      this.res.flushHeaders();
    }
    this.res.uncork();
  }

  abort(): void {
    this.gone = true;
    this.res.destroy();
  }

  /**
   * Backpressure (see ResponseSink.full). Held writes count: node:http reports a full connection from the
   * bytes buffered, sent or not, and the 'drain' comes once the released bytes have left.
   */
  full(onDrain: () => void): boolean {
    if (this.closed || !this.res.writableNeedDrain) return false;
    this.res.once('drain', onDrain);
    return true;
  }

  private hold(): void {
    if (this.corked) return;
    this.corked = true;
    this.res.cork();
    setImmediate(releaseSink, this);
  }
}

function releaseSink(sink: NodeSink): void {
  sink.release();
}

/**
 * Sized up front, with room for one more pair (`lastName`): grown by push, the list was allocated for 19
 * entries and again for 46 once past 19 (an answer with x-ratelimit-* headers has 24).
 */
function flatHeaders(headers: Record<string, string>, lastName?: string, lastValue?: string): string[] {
  let n = 0;
  for (const _k in headers) n++;
  const flat = new Array<string>(2 * n + (lastName === undefined ? 0 : 2));
  let i = 0;
  for (const k in headers) {
    flat[i++] = k;
    flat[i++] = headers[k]!;
  }
  if (lastName !== undefined) {
    flat[i++] = lastName;
    flat[i] = lastValue!;
  }
  return flat;
}
