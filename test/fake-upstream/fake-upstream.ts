/**
 * A local stand-in for the OpenAI and Anthropic APIs, used by every test and benchmark so nothing ever
 * calls the internet. It speaks both wire formats (JSON and SSE, usage with cache fields, errors),
 * misbehaves on demand through `#fake:` directives in the last user message or `setNext()`, and records
 * every request — including whether the client hung up before the response ended (`aborted`).
 *
 * The one non-obvious thing: `close()` must never hang, so it destroys every open connection, including
 * streams deliberately stalled by #fake:stall_after.
 */
import { type BatchApi, createBatchApi } from './batches-route.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicCountTokens, anthropicMessages } from './anthropic-route.js';
import { anthropicError, anthropicModelList } from './anthropic-wire.js';
import { Exchange, type ExchangeHost, type RecordedRequest } from './exchange.js';
import { openAiChat } from './openai-route.js';
import { openAiResponses } from './responses-route.js';
import { openAiEmbeddings } from './embeddings-route.js';
import { openAiCompletions } from './completions-route.js';
import { openAiError, openAiModelList } from './openai-wire.js';
import type { ChaosPicker, RouteContext } from './route-context.js';
import type { Scenario } from './scenario.js';

export type { RecordedRequest } from './exchange.js';
export type { ChaosPicker } from './route-context.js';
export type { Scenario } from './scenario.js';

export interface FakeUpstreamOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /**
   * Benchmark mode: a request with no directive, no tools/logprobs/n/response_format/stop and room for
   * the answer gets a pre-rendered buffer (a fixed 6-word answer, 16 input tokens) instead of a rendered one.
   */
  fast?: boolean;
  /** Keep requests in `requests` (default true; benchmarks turn it off to keep memory flat). */
  record?: boolean;
  /** Picks a fault for every chat/messages request without directives (the chaos suite's injector). */
  chaos?: ChaosPicker;
}

export interface FakeUpstream {
  /** http://127.0.0.1:PORT (append /v1 for the OpenAI SDK's baseURL). */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** The batch APIs (OpenAI files + batches, Anthropic message batches): `batchApi.delayMs`, `batchApi.batches`. */
  batchApi: BatchApi;
  /** Requests received since start or the last reset(), recorded or not. */
  readonly count: number;
  /** Forces the scenario of the next chat/messages request (merged over its directives). Queues. */
  setNext(scenario: Scenario): void;
  /** Forgets recorded requests and queued scenarios, and restarts ids (req_fake_1 …). */
  reset(): void;
  /** Resolves once no response is in flight (e.g. after a client abort has been seen). */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      resolve(
        chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8'),
      ),
    );
    req.on('error', () => resolve(undefined));
    req.on('aborted', () => resolve(undefined));
  });
}

export async function startFakeUpstream(opts: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const record = opts.record ?? true;
  const requests: RecordedRequest[] = [];
  const queue: Scenario[] = [];
  const active = new Set<Exchange>();
  const idleWaiters = new Set<() => void>();
  const fastCache = new Map<string, Buffer[]>();
  let count = 0;
  let seq = 0;
  let port = 0;
  const batchApi = createBatchApi();

  const host: ExchangeHost & { closing: boolean } = {
    closing: false,
    settle(ex) {
      active.delete(ex);
      if (active.size === 0) for (const w of idleWaiters) w();
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body: undefined,
      aborted: false,
      status: undefined,
      completed: false,
    };
    count++;
    if (record) requests.push(rec);
    const ex = new Exchange(req, res, rec, host);
    active.add(ex);
    const raw = await readBody(req);
    if (raw === undefined || ex.closed) return;
    if (raw !== '') rec.body = raw;

    const route = path.startsWith('/v1/') ? path.slice(3) : path;
    const anthropic =
      req.headers['anthropic-version'] !== undefined || req.headers['x-api-key'] !== undefined;
    const ctx: RouteContext = {
      ex,
      raw,
      seq: ++seq,
      takeNext: () => queue.shift(),
      fast: opts.fast === true,
      fastCache,
      ...(opts.chaos ? { chaos: opts.chaos } : {}),
    };
    if (
      batchApi.handle(
        req.method ?? 'GET',
        route,
        ex,
        raw,
        String(req.headers['content-type'] ?? ''),
        `http://127.0.0.1:${port}`,
      )
    )
      return;
    if (req.method === 'POST' && route === '/chat/completions') return openAiChat(ctx);
    if (req.method === 'POST' && route === '/messages') return anthropicMessages(ctx);
    if (req.method === 'POST' && route === '/responses') return openAiResponses(ctx);
    if (req.method === 'POST' && route === '/embeddings') return openAiEmbeddings(ctx);
    if (req.method === 'POST' && route === '/completions') return openAiCompletions(ctx);
    if (req.method === 'POST' && route === '/messages/count_tokens') return anthropicCountTokens(ctx);
    const headers = { 'content-type': 'application/json' };
    if (req.method === 'GET' && route === '/models') {
      ex.send(200, anthropic ? anthropicModelList() : openAiModelList(), headers);
      return;
    }
    const msg = `Unknown request URL: ${req.method} ${path}.`;
    ex.send(
      404,
      anthropic ? anthropicError(404, msg) : openAiError(404, msg, { code: 'unknown_url' }),
      headers,
    );
  }

  const server = createServer({ keepAlive: true }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(openAiError(500, `fake upstream crashed: ${(err as Error).message}`));
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    batchApi,
    get count() {
      return count;
    },
    setNext(scenario) {
      queue.push(scenario);
    },
    reset() {
      requests.length = 0;
      queue.length = 0;
      count = 0;
      seq = 0;
    },
    idle(timeoutMs = 5000) {
      if (active.size === 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          idleWaiters.delete(done);
          resolve();
        };
        const timer = setTimeout(() => {
          idleWaiters.delete(done);
          reject(
            new Error(`fake upstream: ${active.size} response(s) still in flight after ${timeoutMs} ms`),
          );
        }, timeoutMs);
        idleWaiters.add(done);
      });
    },
    close() {
      host.closing = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const ex of active) ex.req.socket.destroy();
      });
    },
  };
}
