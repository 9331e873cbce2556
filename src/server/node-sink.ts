/** ResponseSink over node:http's ServerResponse: the gateway's hot path writes straight to the socket. */
import type { ServerResponse } from 'node:http';
import type { ResponseSink } from '../pipeline/context.js';

export class NodeSink implements ResponseSink {
  private gone = false;

  constructor(
    private readonly res: ServerResponse,
    onGone: () => void,
  ) {
    res.on('close', () => {
      if (!res.writableFinished) {
        this.gone = true;
        onGone();
      }
    });
  }

  get closed(): boolean {
    return this.gone || this.res.destroyed;
  }

  json(status: number, headers: Record<string, string>, body: string | Buffer): void {
    if (this.closed) return;
    headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.length);
    this.res.writeHead(status, headers);
    this.res.end(body);
  }

  /**
   * The headers leave with the first chunk when it is already here (node:http corks a chunked write, so
   * headers and chunk go in one write(2) instead of two — the headers' own write was ~7% of a streamed
   * request's CPU), else on the next turn of the event loop: a client still has them before the first token.
   */
  startStream(status: number, headers: Record<string, string>): void {
    if (this.closed) return;
    this.res.writeHead(status, headers);
    this.wrote = false;
    setImmediate(flushHeadersIfIdle, this);
  }

  /** False between `startStream` and the first write: the headers are not sent yet. */
  private wrote = true;

  write(chunk: string | Buffer): void {
    this.wrote = true;
    if (!this.closed) this.res.write(chunk);
  }

  end(): void {
    this.wrote = true;
    if (!this.closed && !this.res.writableEnded) this.res.end();
  }

  /** Sends the headers of a stream with nothing written yet. */
  flushHeaders(): void {
    if (this.wrote || this.closed) return;
    this.wrote = true;
    this.res.flushHeaders();
  }

  abort(): void {
    this.gone = true;
    this.res.destroy();
  }

  full(onDrain: () => void): boolean {
    if (this.closed || !this.res.writableNeedDrain) return false;
    this.res.once('drain', onDrain);
    return true;
  }
}

function flushHeadersIfIdle(sink: NodeSink): void {
  sink.flushHeaders();
}
