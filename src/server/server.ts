/**
 * The HTTP face: node:http (no framework, no WHATWG objects on the hot path). Routes OpenAI
 * `POST /v1/chat/completions`, Anthropic `POST /v1/messages`, `GET /v1/models`, and `GET /healthz`;
 * other faces (metrics, dashboard) register extra routes. Bodies are read once, size-limited, parsed once.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { CallAbort } from '../core/call-signal.js';
import { PennyError } from '../core/errors.js';
import { toWireError } from '../providers/wire-error.js';
import type { Dialect } from '../core/request.js';
import type { LoadedConfig } from '../config/load.js';
import type { Logger } from '../observability/logger.js';
import type { Gateway, IncomingCall } from '../pipeline/gateway.js';
import type { PriceCatalog } from '../pricing/catalog.js';
import { looksLikeVirtualKey } from '../governance/virtual-key.js';
import { Auth, presentsVirtualKey } from './auth.js';
import { answerClientError } from './client-error.js';
import { listModels, renderModel, renderModelList } from './models.js';
import { NodeSink } from './node-sink.js';
import { RequestGuard, checkJsonContentType } from './request-guard.js';
import type { ResponsesState } from '../conversations/responses-state.js';
import { RESPONSES_PREFIX, handleResponsesCall, handleStoredResponse } from './routes-responses.js';
import { type EndpointService, serveEndpoint } from './routes-endpoints.js';
import { SHUTDOWN_REFUSED, type Shutdown } from './shutdown.js';

export type ExtraRoute = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
) => boolean | Promise<boolean>;

export interface ServerOptions {
  gateway: Gateway;
  loaded: LoadedConfig;
  catalog: PriceCatalog;
  logger: Logger;
  /** Extra handlers tried before the 404 (return true when handled). */
  routes?: ExtraRoute[];
  /** Responses API conversation state (previous_response_id, GET /v1/responses/{id}). */
  responses?: ResponsesState;
  /** OpenAI endpoints beside the chat pipeline, by path without /v1 ("/embeddings", "/completions"). */
  endpoints?: Record<string, EndpointService>;
  /** Graceful shutdown of this server (app.close()); see shutdown.ts. */
  shutdown?: Shutdown;
}

const CHAT_PATHS: Record<string, Dialect> = {
  '/v1/chat/completions': 'openai',
  '/chat/completions': 'openai',
  '/v1/messages': 'anthropic',
  '/messages': 'anthropic',
  '/v1/responses': 'responses',
  '/responses': 'responses',
};

export function createPennyServer(opts: ServerOptions): Server {
  const { gateway, loaded, logger } = opts;
  const auth = new Auth(loaded.config.server.host, loaded.config.server.authTokens);
  const maxBody = loaded.config.server.maxBodyBytes;
  const isPennyToken = (v: string) => auth.match(v) !== null || looksLikeVirtualKey(v);
  const guard = new RequestGuard({
    host: loaded.config.server.host,
    allowedHosts: loaded.config.server.allowedHosts,
    corsOrigins: loaded.config.server.cors.origins,
  });

  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const dialect = CHAT_PATHS[path];
    // Browsers: DNS rebinding, cross-origin pages, CORS (see request-guard.ts). Every route, dashboard included.
    const blocked = guard.checkHost(req) ?? guard.checkOrigin(req);
    if (blocked) {
      req.resume();
      logger.warn('request refused', { path: path.slice(0, 200), reason: blocked.message });
      return sendError(res, blocked, dialect ?? 'openai');
    }
    if (guard.cors(req, res)) return;
    // A request on a keep-alive socket after the shutdown began: answered (503 for chat), then the socket closes.
    const refused = opts.shutdown?.stopping === true;
    if (refused) res.setHeader('connection', 'close');
    if (dialect !== undefined) {
      if (req.method !== 'POST')
        return sendError(res, new PennyError('method_not_allowed', `${path} takes POST`), dialect);
      let tokenName: string | undefined;
      if (auth.required) {
        const name = auth.check(req.headers);
        // A virtual key (sk-penny-…) is verified by the guard stage, which answers 401 itself when it is bad.
        if (!name && !presentsVirtualKey(req.headers)) {
          req.resume();
          return sendError(
            res,
            new PennyError(
              'unauthorized',
              'missing or wrong Penny token: send it as x-penny-key (or as the API key of your SDK)',
            ),
            dialect,
          );
        }
        if (name) tokenName = name;
      }
      handleChat(req, res, dialect, tokenName, refused);
      return;
    }
    const endpointName = path.startsWith('/v1/') ? path.slice(3) : path;
    const endpoint = opts.endpoints?.[endpointName];
    if (endpoint) {
      const dialect: Dialect = endpointName.startsWith('/messages/') ? 'anthropic' : 'openai';
      return serveEndpoint(req, res, path, endpoint, { auth, maxBody, logger, dialect, isPennyToken });
    }
    if (path.startsWith('/v1/models/') || path.startsWith('/models/')) {
      const d: Dialect = req.headers['anthropic-version'] ? 'anthropic' : 'openai';
      if (auth.required && !auth.check(req.headers))
        return sendError(res, new PennyError('unauthorized', 'missing or wrong Penny token'), d);
      const id = decodeURIComponent(path.slice(path.indexOf('/models/') + 8));
      const model = listModels(loaded, opts.catalog).find((m) => m.id === id);
      if (!model)
        return sendError(
          res,
          new PennyError('not_found', `The model '${id.slice(0, 200)}' does not exist`),
          d,
        );
      return sendJson(res, 200, renderModel(model, d));
    }
    if (path.startsWith(RESPONSES_PREFIX) && opts.responses) {
      if (auth.required && !auth.check(req.headers)) {
        req.resume();
        return sendError(res, new PennyError('unauthorized', 'missing or wrong Penny token'), 'responses');
      }
      const state = opts.responses;
      handleStoredResponse(req, res, path, state).catch((e) => {
        logger.error('route failed', { path, error: e });
        if (!res.headersSent) sendError(res, new PennyError('internal', 'internal error'), 'responses');
      });
      return;
    }
    if (path === '/healthz')
      return refused
        ? sendJson(res, 503, { ok: false, stopping: true })
        : sendJson(res, 200, { ok: true, simulated: gateway.simulated });
    if (path === '/v1/models' || path === '/models') {
      const d: Dialect = req.headers['anthropic-version'] ? 'anthropic' : 'openai';
      if (auth.required && !auth.check(req.headers))
        return sendError(res, new PennyError('unauthorized', 'missing or wrong Penny token'), d);
      return sendJson(res, 200, renderModelList(listModels(loaded, opts.catalog), d));
    }
    void tryRoutes(req, res, path);
  });
  server.on('clientError', answerClientError);
  opts.shutdown?.attach(server);

  async function tryRoutes(req: IncomingMessage, res: ServerResponse, path: string) {
    try {
      for (const r of opts.routes ?? []) if (await r(req, res, path)) return;
      // Anthropic clients get Anthropic-shaped errors on their paths (e.g. an unknown /v1/messages/… route).
      const d: Dialect =
        path.startsWith('/v1/messages') || req.headers['anthropic-version'] ? 'anthropic' : 'openai';
      sendError(
        res,
        new PennyError(
          'not_found',
          `no route ${req.method} ${path.slice(0, 200)}; Penny serves POST /v1/chat/completions, POST /v1/messages, POST /v1/responses, POST /v1/embeddings, GET /v1/models`,
        ),
        d,
      );
    } catch (e) {
      logger.error('route failed', { path, error: e });
      if (!res.headersSent) sendError(res, new PennyError('internal', 'internal error'), 'openai');
    }
  }

  function handleChat(
    req: IncomingMessage,
    res: ServerResponse,
    dialect: Dialect,
    tokenName: string | undefined,
    refused: boolean,
  ) {
    // The call's abort signal (a plain object: no AbortController per request, see core/call-signal.ts).
    const ac = new CallAbort();
    const sink = new NodeSink(res, ac);
    const declared = Number(req.headers['content-length'] ?? 0);
    let started = false;
    const delivered = opts.shutdown?.track(res, ac, () => {
      if (started) return false;
      started = true;
      req.resume();
      void gateway.handle(call(undefined, undefined, SHUTDOWN_REFUSED()));
      return true;
    });
    // The gateway's call, built once when the body is in (or refused): no partial object copied per request.
    const call = (body: unknown, raw?: Buffer, preError?: PennyError): IncomingCall => ({
      dialect,
      headers: req.headers,
      sink,
      signal: ac.signal,
      isPennyToken,
      tokenName,
      delivered,
      body,
      raw,
      preError,
    });
    const notJson = checkJsonContentType(req);
    if (notJson) {
      started = true;
      req.resume();
      void gateway.handle(call(undefined, undefined, notJson));
      return;
    }
    if (declared > maxBody) {
      started = true;
      req.resume();
      res.setHeader('connection', 'close');
      void gateway.handle(call(undefined, undefined, tooLarge(maxBody)));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > maxBody) {
        if (started) return;
        started = true;
        over = true;
        chunks.length = 0;
        res.setHeader('connection', 'close');
        void gateway.handle(call(undefined, undefined, tooLarge(maxBody)));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (over || started) return;
      started = true;
      const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      let body: unknown;
      // A UTF-8 byte-order mark before the JSON is allowed (some Windows tools write one).
      const bom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
      const raw = bom ? buf.subarray(3) : buf;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (e) {
        const err = new PennyError(
          'invalid_json',
          `the request body is not valid JSON: ${(e as Error).message}`,
          { cause: e },
        );
        void gateway.handle(call(undefined, undefined, err));
        return;
      }
      if (refused) {
        void gateway.handle(call(body, undefined, SHUTDOWN_REFUSED()));
        return;
      }
      if (dialect === 'responses' && opts.responses)
        return handleResponsesCall(gateway, opts.responses, call(body), logger);
      // The bytes go along for the same-dialect fast path (pipeline/execute/fast-body.ts).
      gateway.handle(call(body, raw)).catch((e) => logger.error('request handling failed', { error: e }));
    });
    req.on('error', () => ac.abort());
  }

  return server;
}

function tooLarge(max: number): PennyError {
  return new PennyError(
    'body_too_large',
    `the request body is larger than the limit of ${max} bytes (server.maxBodyBytes)`,
  );
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: PennyError, dialect: Dialect): void {
  const w = toWireError(err, dialect);
  sendJson(res, w.status, w.body);
}
