/**
 * Graceful shutdown of the HTTP face. On `begin()` the server stops accepting connections, idle keep-alive
 * sockets are closed at once, and every response not yet started is sent with `connection: close`, so no
 * socket takes another request. A request that still arrives on a busy keep-alive socket is answered 503
 * (`shutting_down`, in its dialect, recorded) with `connection: close`. What is in flight gets the grace
 * period to finish; whatever is still open then is cut — its request aborted with the `shutting_down`
 * reason, its socket destroyed — and recorded as what it was: `aborted`, flag `shutdown_cut`, never `ok`.
 */
import type { Server, ServerResponse } from 'node:http';
import { PennyError } from '../core/errors.js';
import { InFlightSet } from '../core/in-flight-set.js';

/** What the shutdown needs of a call's abort controller (an AbortController or a CallAbort). */
interface Aborter {
  abort(reason?: unknown): void;
}

interface Tracked {
  res: ServerResponse;
  ac: Aborter;
  /** Answers 503 if the request has not reached the gateway yet (body still arriving); false otherwise. */
  refuseIfWaiting: () => boolean;
  /** Set when the response closed: whether it finished first. */
  finished?: boolean;
  /** Created only when someone waits (while stopping), so the hot path allocates no promise. */
  delivered?: Promise<boolean>;
  resolve?: (finished: boolean) => void;
}

function deliveredOf(t: Tracked): Promise<boolean> {
  if (t.finished !== undefined) return Promise.resolve(t.finished);
  t.delivered ??= new Promise<boolean>((r) => {
    t.resolve = r;
  });
  return t.delivered;
}

export const SHUTDOWN_CUT_REASON = (): PennyError =>
  new PennyError('shutting_down', 'Penny shut down before this answer was complete (server.shutdownGraceMs)');

export const SHUTDOWN_REFUSED = (): PennyError =>
  new PennyError('shutting_down', 'Penny is shutting down and takes no new requests; retry in a moment');

export class Shutdown {
  #stopping = false;
  /** Open chat responses: an intrusive list, not a Map (in-flight-set.ts says why). */
  readonly #open = new InFlightSet<Tracked>();
  #server: Server | undefined;

  attach(server: Server): void {
    this.#server = server;
  }

  private get server(): Server {
    if (this.#server === undefined) throw new Error('Shutdown is not attached to a server');
    return this.#server;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /**
   * Tracks a chat response until it closes. Returns the gate the gateway awaits before recording an entry
   * while Penny stops: false when the answer was cut before the client had all of it.
   */
  track(
    res: ServerResponse,
    ac: Aborter,
    refuseIfWaiting: () => boolean,
  ): () => Promise<boolean> | undefined {
    const t: Tracked = { res, ac, refuseIfWaiting };
    const node = this.#open.add(t);
    res.once('close', () => {
      this.#open.remove(node);
      t.finished = res.writableFinished;
      t.resolve?.(t.finished);
      if (this.#stopping) setImmediate(() => this.server.closeIdleConnections());
    });
    return () => (this.#stopping && t.finished === undefined ? deliveredOf(t) : undefined);
  }

  /** Stops accepting; resolves when the listener is closed (every connection gone) — see `finish`. */
  begin(): Promise<void> {
    this.#stopping = true;
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    this.server.closeIdleConnections();
    // Responses not started yet close their socket after them; a stream that already started keeps its
    // keep-alive header, and its socket is closed as soon as it is idle (see `track`).
    for (const { res } of this.#open.values()) if (!res.headersSent) res.setHeader('connection', 'close');
    return closed;
  }

  /**
   * Waits for in-flight answers up to `graceMs`, then cuts what is left (recorded as cut by the gateway)
   * and closes every connection. `settled` resolves when every gateway request has settled.
   */
  async finish(graceMs: number, settled: () => Promise<void>): Promise<void> {
    const inFlight = Promise.all([settled(), ...this.#open.values().map(deliveredOf)]);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), graceMs);
    });
    const r = await Promise.race([inFlight.then(() => 'done' as const), deadline]);
    clearTimeout(timer);
    if (r === 'late') this.cutNow();
    await settled();
    this.server.closeAllConnections();
  }

  /** Cuts every open answer now (a second signal, or the grace period is over). */
  cutNow(): void {
    for (const t of this.#open.values()) {
      if (t.refuseIfWaiting()) continue;
      t.ac.abort(SHUTDOWN_CUT_REASON());
      t.res.destroy();
    }
  }
}
