/**
 * The library face: `penny.fetch` is a drop-in `fetch` for the official `openai` and `@anthropic-ai/sdk`
 * clients (`new OpenAI({ fetch: penny.fetch })`). It runs the same gateway core in-process — same pipeline,
 * same ledger — with no server. WHATWG Request/Response appear only here, because the SDKs require them.
 */
import { assembleCore, closeCore } from '../assemble.js';
import { type LoadOptions, loadConfig } from '../config/load.js';
import { PennyError } from '../core/errors.js';
import { toWireError } from '../providers/wire-error.js';
import type { LedgerEntry } from '../core/ledger-entry.js';
import type { Dialect } from '../core/request.js';
import type { Ledger } from '../ledger/ledger.js';
import { MemoryLedger } from '../ledger/memory-ledger.js';
import { type Logger, createLogger } from '../observability/logger.js';
import type { ResponseSink } from '../pipeline/context.js';
import type { Gateway, Headers as PlainHeaders } from '../pipeline/gateway.js';
import { type PriceCatalog, loadCatalog } from '../pricing/catalog.js';
import { listModels, renderModelList } from '../server/models.js';

export interface PennyOptions extends LoadOptions {
  /** A ledger instance, "memory", or omitted for the configured SQLite file. */
  ledger?: Ledger | 'memory';
  logger?: Logger;
}

export interface Penny {
  /** A fetch for the official SDKs. */
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  ledger: Ledger;
  gateway: Gateway;
  catalog: PriceCatalog;
  /** The ledger entry of the last settled request (handy in tests and scripts). */
  readonly lastEntry: LedgerEntry | undefined;
  /** Waits for in-flight requests, flushes the ledger and releases connections. */
  close(): Promise<void>;
}

export function createPenny(opts: PennyOptions = {}): Penny {
  const logger = opts.logger ?? createLogger(process.env.PENNY_LOG_LEVEL ? undefined : 'warn');
  const loaded = loadConfig(opts);
  const catalog = loadCatalog({ files: loaded.config.priceFiles, overrides: loaded.config.prices });
  let lastEntry: LedgerEntry | undefined;
  const core = assembleCore({
    loaded,
    catalog,
    logger,
    ...(opts.ledger === 'memory'
      ? { ledger: new MemoryLedger() }
      : opts.ledger
        ? { ledger: opts.ledger }
        : {}),
    onSettled: [(e) => (lastEntry = e)],
  });
  const { gateway, ledger } = core;
  /** Requests made once close() began are refused (503 shutting_down), never sent upstream. */
  let state: 'open' | 'closing' | 'closed' = 'open';
  let closing: Promise<void> | undefined;

  async function pennyFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const url = new URL(
      typeof input === 'string' || input instanceof URL ? input : input.url,
      'http://penny.local',
    );
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const headers = plainHeaders(
      new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)),
    );
    const path = url.pathname.replace(/\/+$/, '');
    const dialect: Dialect | undefined = path.endsWith('/chat/completions')
      ? 'openai'
      : path.endsWith('/messages')
        ? 'anthropic'
        : undefined;
    if (path.endsWith('/models') && method === 'GET') {
      const d: Dialect = headers['anthropic-version'] ? 'anthropic' : 'openai';
      return Response.json(renderModelList(listModels(loaded, catalog), d));
    }
    if (!dialect || method !== 'POST') {
      const w = toWireError(
        new PennyError(
          'not_found',
          `penny.fetch serves POST …/chat/completions and POST …/messages, not ${method} ${path}`,
        ),
        dialect ?? 'openai',
      );
      return Response.json(w.body, { status: w.status });
    }
    const text =
      init?.body !== undefined && init.body !== null
        ? await new Response(init.body).text()
        : input instanceof Request
          ? await input.text()
          : '';
    let body: unknown;
    let preError: PennyError | undefined;
    try {
      body = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (e) {
      preError = new PennyError(
        'invalid_json',
        `the request body is not valid JSON: ${(e as Error).message}`,
        { cause: e },
      );
    }
    if (state !== 'open') {
      // Closing: recorded (the ledger is still open) without an upstream call. Closed: nothing can be
      // recorded any more, so nothing is spent either.
      preError = new PennyError(
        'shutting_down',
        'penny.close() was called: this Penny takes no new requests (create a new one with createPenny())',
      );
      if (state === 'closed') {
        const w = toWireError(preError, dialect);
        return Response.json(w.body, { status: w.status });
      }
    }
    // The guardrail's state (and experiment stops) are read from the quality store before the first request.
    if (state === 'open' && core.quality.eager) await core.quality.ready();
    const ac = new AbortController();
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    if (signal) {
      if (signal.aborted) ac.abort();
      else signal.addEventListener('abort', () => ac.abort(), { once: true });
    }
    return new Promise<Response>((resolve, reject) => {
      const sink = new ResponseBuilder(resolve, () => ac.abort(), reject);
      gateway
        .handle({ dialect, body, headers, sink, signal: ac.signal, ...(preError ? { preError } : {}) })
        .catch(reject);
    });
  }

  return {
    fetch: pennyFetch,
    ledger,
    gateway,
    catalog,
    get lastEntry() {
      return lastEntry;
    },
    async close() {
      if (state === 'open') {
        state = 'closing';
        // A "memory" ledger is Penny's own; a ledger passed in is only flushed.
        closing = closeCore(opts.ledger === 'memory' ? { ...core, ownsLedger: true } : core).finally(() => {
          state = 'closed';
        });
      }
      await closing;
    },
  };
}

function plainHeaders(h: Headers): PlainHeaders {
  const out: PlainHeaders = {};
  h.forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

/** A ResponseSink that resolves a WHATWG Response (JSON at once, or a stream fed as events arrive). */
class ResponseBuilder implements ResponseSink {
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private cancelled = false;
  private done = false;
  private readonly enc = new TextEncoder();

  constructor(
    private readonly resolve: (r: Response) => void,
    private readonly onCancel: () => void,
    private readonly reject: (e: Error) => void,
  ) {}

  get closed(): boolean {
    return this.cancelled;
  }

  json(status: number, headers: Record<string, string>, body: string | Buffer): void {
    this.resolve(new Response(typeof body === 'string' ? body : new Uint8Array(body), { status, headers }));
  }

  startStream(status: number, headers: Record<string, string>): void {
    const stream = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.controller = c;
      },
      cancel: () => {
        this.cancelled = true;
        this.onCancel();
      },
    });
    this.resolve(new Response(stream, { status, headers }));
  }

  write(chunk: string | Buffer): void {
    if (this.cancelled || this.done || !this.controller) return;
    this.controller.enqueue(typeof chunk === 'string' ? this.enc.encode(chunk) : new Uint8Array(chunk));
  }

  end(): void {
    if (this.cancelled || this.done) return;
    this.done = true;
    this.controller?.close();
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    this.cancelled = true;
    if (this.controller) this.controller.error(new Error('penny could not finish the answer'));
    else this.reject(new Error('penny could not write the answer'));
    this.onCancel();
  }
}
