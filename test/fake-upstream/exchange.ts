/**
 * One request/response pair on the fake server. It owns the timers of a delayed or slow response, so a
 * client disconnect or `close()` cancels them, and it tells a client that went away (recorded as
 * `aborted`) apart from a socket the fake destroyed on purpose (#fake:reset, #fake:break_after).
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Frame } from './frames.js';
import type { Scenario } from './scenario.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; the raw text when it was not JSON; undefined when empty. */
  body: unknown;
  /** The client went away before the response ended. */
  aborted: boolean;
  /** Status sent, once headers were written. */
  status: number | undefined;
  /** The response was written completely. */
  completed: boolean;
  /**
   * The usage the answer reports, set when a well-formed answer (not an error, a malformed body or stream)
   * was sent; it reached the client only if `completed` is also true. The chaos suite prices it on its own.
   */
  usage?: {
    model: string;
    input: number;
    cached: number;
    cacheWrite5m: number;
    cacheWrite1h: number;
    output: number;
    reasoning: number;
  };
}

interface Wait {
  timer: NodeJS.Timeout;
  resolve: (ok: boolean) => void;
}

export interface ExchangeHost {
  readonly closing: boolean;
  settle(ex: Exchange): void;
}

export class Exchange {
  closed = false;
  private selfDestroyed = false;
  private settled = false;
  private readonly waits = new Set<Wait>();

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly rec: RecordedRequest,
    private readonly host: ExchangeHost,
  ) {
    res.on('finish', () => {
      rec.completed = true;
      this.settle();
    });
    res.on('close', () => {
      if (!res.writableFinished && !this.selfDestroyed && !host.closing) rec.aborted = true;
      this.closed = true;
      for (const w of this.waits) {
        clearTimeout(w.timer);
        w.resolve(false);
      }
      this.waits.clear();
      this.settle();
    });
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.host.settle(this);
  }

  /** Resolves true after `ms`, or false as soon as the response is closed. */
  wait(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w: Wait = {
        resolve,
        timer: setTimeout(() => {
          this.waits.delete(w);
          resolve(!this.closed);
        }, ms),
      };
      this.waits.add(w);
    });
  }

  /** Kills the connection: immediately (`reset`) or once written bytes are flushed (a broken stream). */
  destroySocket(afterFlush: boolean): void {
    this.selfDestroyed = true;
    const socket = this.req.socket;
    if (afterFlush) socket.destroySoon();
    else socket.destroy();
  }

  head(status: number, headers: OutgoingHttpHeaders): void {
    this.rec.status = status;
    this.res.writeHead(status, headers);
  }

  send(status: number, body: string | Buffer, headers: OutgoingHttpHeaders): void {
    if (this.closed) return;
    this.head(status, { ...headers, 'content-length': Buffer.byteLength(body) });
    this.res.end(body);
  }

  /** A wrong content-length: more bytes are announced than sent, then the connection is closed. */
  sendShort(body: string, headers: OutgoingHttpHeaders): void {
    if (this.closed) return;
    this.head(200, { ...headers, 'content-length': Buffer.byteLength(body) + 64 });
    this.res.write(body);
    this.destroySocket(true);
  }

  /** A JSON body that honours stall_after / break_after by sending only its first half. */
  sendBody(body: string, headers: OutgoingHttpHeaders, sc: Scenario): void {
    if (sc.stallAfter === undefined && sc.breakAfter === undefined) {
      this.send(200, body, headers);
      return;
    }
    if (this.closed) return;
    this.head(200, { ...headers, 'content-length': Buffer.byteLength(body) });
    this.res.write(body.slice(0, Math.floor(body.length / 2)));
    if (sc.stallAfter === undefined) this.destroySocket(true);
  }

  /**
   * Streams frames, honouring chunk_delay (between frames), stall_after and break_after (counted in
   * content frames; checked once output has started, so "3" means three chunks then nothing more).
   */
  async stream(frames: Frame[], headers: OutgoingHttpHeaders, sc: Scenario): Promise<void> {
    if (this.closed) return;
    this.head(200, headers);
    this.res.flushHeaders();
    let content = 0;
    let started = false;
    let first = true;
    for (const f of frames) {
      if (!first && sc.chunkDelay !== undefined && sc.chunkDelay > 0) {
        if (!(await this.wait(sc.chunkDelay))) return;
      }
      first = false;
      if (f.content) started = true;
      if (started) {
        if (sc.badSseAfter !== undefined && content === sc.badSseAfter) {
          this.res.write(
            'data: {"choices": [{"delta": {"content": "garbage\n\nevent: ??\ndata: \u0000not json\n\n',
          );
          sc = { ...sc, badSseAfter: undefined };
        }
        if (sc.stallAfter !== undefined && content >= sc.stallAfter) return;
        if (sc.breakAfter !== undefined && content >= sc.breakAfter) {
          this.destroySocket(true);
          return;
        }
      }
      if (this.closed) return;
      this.res.write(f.data);
      if (f.content) content++;
    }
    this.res.end();
  }

  /** Writes pre-rendered buffers of a stream with no scenario (the benchmark path). */
  streamBuffers(buffers: readonly Buffer[], headers: OutgoingHttpHeaders): void {
    this.head(200, headers);
    const last = buffers.length - 1;
    for (let i = 0; i < last; i++) this.res.write(buffers[i]);
    this.res.end(buffers[last]);
  }
}
