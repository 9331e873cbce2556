/**
 * The library face: `penny.fetch` is a drop-in `fetch` for the official `openai` and `@anthropic-ai/sdk`
 * clients (`new OpenAI({ fetch: penny.fetch })`). It runs the same gateway core in-process — same pipeline,
 * same ledger — with no server. WHATWG Request/Response appear only here, because the SDKs require them.
 * It serves what `penny serve` serves to the SDKs: chat completions, messages, the Responses API (with its
 * stored conversations), embeddings, legacy completions, count_tokens and the model list.
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
import type { ServerResponse } from 'node:http';
import { safeHeaders } from '../core/header-value.js';
import type { ResponsesState } from '../conversations/responses-state.js';
import { openResponsesState } from '../conversations/open-store.js';
import { CompletionsService } from '../completions/completions-service.js';
import { EmbeddingsService } from '../embeddings/embeddings-service.js';
import { CountTokensService } from '../endpoints/count-tokens.js';
import type { EndpointCall } from '../endpoints/endpoint-call.js';
import { EndpointGuard } from '../governance/endpoint-guard.js';
import type { EndpointService } from '../endpoints/endpoint-call.js';
import { RESPONSES_PREFIX, handleResponsesCall, handleStoredResponse } from '../server/routes-responses.js';

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
  const configured = loadConfig(opts);
  // A "memory" ledger means nothing on disk: deferred jobs and batch pass-through state stay in memory too
  // (unless the config names their store).
  const loaded =
    opts.ledger === 'memory' && configured.config.batchJobs.store === undefined
      ? {
          ...configured,
          config: {
            ...configured.config,
            batchJobs: { ...configured.config.batchJobs, store: 'memory' as const },
          },
        }
      : configured;
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
  const endpointGuard = new EndpointGuard({ gov: core.governance, catalog, resolver: gateway.resolver });
  const embeddings = new EmbeddingsService({ loaded, catalog, logger, gateway, guard: endpointGuard });
  const completions = new CompletionsService({ catalog, logger, gateway, guard: endpointGuard });
  const endpoints: Record<string, EndpointService> = {
    '/embeddings': embeddings,
    '/completions': completions,
    '/messages/count_tokens': new CountTokensService(gateway, endpointGuard),
  };
  /** The Responses API's conversation store, opened on first use (a chat-only user never opens it). */
  let responses: Promise<ResponsesState> | undefined;
  const responsesState = () => {
    responses ??= openResponsesState(loaded, logger);
    return responses;
  };
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
        : path.endsWith('/responses')
          ? 'responses'
          : undefined;
    if (path.endsWith('/models') && method === 'GET') {
      const d: Dialect = headers['anthropic-version'] ? 'anthropic' : 'openai';
      return Response.json(renderModelList(listModels(loaded, catalog), d));
    }
    const stored = path.indexOf(RESPONSES_PREFIX);
    if (stored >= 0 && state !== 'closed') {
      // GET / DELETE /v1/responses/{id}[/input_items], answered by the same handler as the server's.
      const rs = await responsesState();
      const shim = new NodeResponseShim();
      const req = { method, url: `${path.slice(stored)}${url.search}`, resume() {} };
      await handleStoredResponse(req as never, shim as unknown as ServerResponse, path.slice(stored), rs);
      return shim.response;
    }
    const endpoint = method === 'POST' ? endpointFor(path) : undefined;
    if (!dialect && endpoint) return serveEndpointCall(endpoint, init, input, headers);
    if (!dialect || method !== 'POST') {
      const w = toWireError(
        new PennyError(
          'not_found',
          `penny.fetch serves POST …/chat/completions, …/messages, …/responses, …/embeddings, …/completions and …/messages/count_tokens, GET …/models and …/responses/{id}, not ${method} ${path}`,
        ),
        dialect ?? 'openai',
      );
      return Response.json(w.body, { status: w.status });
    }
    const parsed = await readJson(init, input);
    const body = parsed.body;
    let preError = parsed.error;
    if (state !== 'open') {
      // Closing: recorded (the ledger is still open) without an upstream call. Closed: nothing can be
      // recorded any more, so nothing is spent either.
      preError = shuttingDown();
      if (state === 'closed') {
        const w = toWireError(preError, dialect);
        return Response.json(w.body, { status: w.status });
      }
    }
    // The guardrail's state (and experiment stops) are read from the quality store before the first request.
    if (state === 'open' && core.quality.eager) await core.quality.ready();
    const ac = linkedAbort(init, input);
    const rstate = dialect === 'responses' && !preError ? await responsesState() : undefined;
    return new Promise<Response>((resolve, reject) => {
      const sink = new ResponseBuilder(resolve, () => ac.abort(), reject);
      const call = { dialect, body, headers, sink, signal: ac.signal, ...(preError ? { preError } : {}) };
      if (rstate) handleResponsesCall(gateway, rstate, call, logger);
      else gateway.handle(call).catch(reject);
    });
  }

  function endpointFor(path: string): EndpointService | undefined {
    if (path.endsWith('/messages/count_tokens')) return endpoints['/messages/count_tokens'];
    if (path.endsWith('/embeddings')) return endpoints['/embeddings'];
    if (path.endsWith('/completions') && !path.endsWith('/chat/completions'))
      return endpoints['/completions'];
    return undefined;
  }

  /** Embeddings, legacy completions and count_tokens: the services `penny serve` runs, on a response shim. */
  async function serveEndpointCall(
    service: EndpointService,
    init: RequestInit | undefined,
    input: string | URL | Request,
    headers: PlainHeaders,
  ): Promise<Response> {
    const fail = (err: PennyError) => {
      const w = toWireError(err, 'openai');
      return Response.json(w.body, { status: w.status });
    };
    if (state !== 'open') return fail(shuttingDown());
    const { body, error } = await readJson(init, input);
    if (error) return fail(error);
    const ac = linkedAbort(init, input);
    const shim = new NodeResponseShim(() => ac.abort());
    const call: EndpointCall = { body, headers, signal: ac.signal };
    const reply = await service.handle(call, shim as unknown as ServerResponse);
    if (reply === null) return shim.response;
    return new Response(reply.body, { status: reply.status, headers: safeHeaders(reply.headers) });
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
        closing = (async () => {
          await embeddings.close();
          await completions.close();
          await closeCore(opts.ledger === 'memory' ? { ...core, ownsLedger: true } : core);
          if (responses) await (await responses).store.close();
        })().finally(() => {
          state = 'closed';
        });
      }
      await closing;
    },
  };
}

async function bodyText(init: RequestInit | undefined, input: string | URL | Request): Promise<string> {
  if (init?.body !== undefined && init.body !== null) return new Response(init.body).text();
  return input instanceof Request ? input.text() : '';
}

/** The request's JSON body (a UTF-8 byte-order mark allowed), or the 400 `invalid_json` error. */
async function readJson(
  init: RequestInit | undefined,
  input: string | URL | Request,
): Promise<{ body: unknown; error?: PennyError }> {
  const text = await bodyText(init, input);
  try {
    return { body: JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) };
  } catch (e) {
    return {
      body: undefined,
      error: new PennyError('invalid_json', `the request body is not valid JSON: ${(e as Error).message}`, {
        cause: e,
      }),
    };
  }
}

/** An abort controller that follows the caller's signal (the SDK's `signal` option). */
function linkedAbort(init: RequestInit | undefined, input: string | URL | Request): AbortController {
  const ac = new AbortController();
  const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
  if (signal) {
    if (signal.aborted) ac.abort();
    else signal.addEventListener('abort', () => ac.abort(), { once: true });
  }
  return ac;
}

function shuttingDown(): PennyError {
  return new PennyError(
    'shutting_down',
    'penny.close() was called: this Penny takes no new requests (create a new one with createPenny())',
  );
}

/**
 * The part of node's ServerResponse the shared handlers use (writeHead, write, end, close), turned into a
 * WHATWG Response: resolved at writeHead with a body stream fed by write and end.
 */
class NodeResponseShim {
  headersSent = false;
  destroyed = false;
  writableFinished = false;
  readonly response: Promise<Response>;
  private resolve!: (r: Response) => void;
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private readonly closeListeners: Array<() => void> = [];
  private readonly enc = new TextEncoder();

  constructor(private readonly onCancel: () => void = () => {}) {
    this.response = new Promise((r) => {
      this.resolve = r;
    });
  }

  writeHead(status: number, headers: Record<string, string | string[]> = {}): this {
    if (this.headersSent) return this;
    this.headersSent = true;
    const h = new Headers();
    for (const [k, v] of Object.entries(headers)) {
      if (k.toLowerCase() === 'content-length') continue;
      for (const one of Array.isArray(v) ? v : [v]) h.append(k, String(one));
    }
    const stream = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.controller = c;
      },
      cancel: () => {
        this.destroyed = true;
        this.onCancel();
        for (const f of this.closeListeners) f();
      },
    });
    this.resolve(new Response(stream, { status, headers: h }));
    return this;
  }

  setHeader(): this {
    return this;
  }

  write(chunk: string | Uint8Array): boolean {
    if (!this.headersSent) this.writeHead(200);
    if (this.destroyed || this.writableFinished) return false;
    this.controller?.enqueue(typeof chunk === 'string' ? this.enc.encode(chunk) : new Uint8Array(chunk));
    return true;
  }

  end(chunk?: string | Uint8Array): this {
    if (chunk !== undefined) this.write(chunk);
    else if (!this.headersSent) this.writeHead(200);
    if (this.destroyed || this.writableFinished) return this;
    this.writableFinished = true;
    this.controller?.close();
    for (const f of this.closeListeners) f();
    return this;
  }

  destroy(): this {
    if (this.writableFinished || this.destroyed) return this;
    this.destroyed = true;
    if (this.controller) this.controller.error(new Error('penny could not finish the answer'));
    else this.writeHead(502);
    for (const f of this.closeListeners) f();
    return this;
  }

  on(event: string, f: () => void): this {
    if (event === 'close') this.closeListeners.push(f);
    return this;
  }

  once(event: string, f: () => void): this {
    return this.on(event, f);
  }
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
