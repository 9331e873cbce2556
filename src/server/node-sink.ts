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

  startStream(status: number, headers: Record<string, string>): void {
    if (this.closed) return;
    this.res.writeHead(status, headers);
    this.res.flushHeaders();
  }

  write(chunk: string | Buffer): void {
    if (!this.closed) this.res.write(chunk);
  }

  end(): void {
    if (!this.closed && !this.res.writableEnded) this.res.end();
  }

  abort(): void {
    this.gone = true;
    this.res.destroy();
  }
}
