/**
 * HTTP face of the OpenAI endpoints served beside the chat pipeline (`POST /v1/embeddings`,
 * `POST /v1/completions`): auth, a size-limited body read once, and the service's reply written as is
 * (JSON, or an SSE stream the service writes itself). Errors are in OpenAI's shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PennyError } from '../core/errors.js';
import type { Dialect } from '../core/request.js';
import { toWireError } from '../providers/wire-error.js';
import { safeHeaders } from '../core/header-value.js';
import { MAX_JSON_DEPTH, formatJsonPath, tooDeepAt } from '../core/json-depth.js';
import type { EndpointCall, EndpointService } from '../endpoints/endpoint-call.js';
import { forgetSecret, rememberSecret } from '../core/known-secrets.js';
import { sentSecrets } from '../pipeline/provider-key.js';
import type { Logger } from '../observability/logger.js';
import { type Auth, presentsVirtualKey } from './auth.js';
import { checkJsonContentType } from './request-guard.js';

export type { EndpointReply, EndpointService } from '../endpoints/endpoint-call.js';

export function serveEndpoint(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  service: EndpointService,
  opts: {
    auth: Auth;
    maxBody: number;
    logger: Logger;
    dialect?: Dialect;
    isPennyToken?: (value: string) => boolean;
  },
): void {
  const send = (r: ServerResponse, err: PennyError) => sendError(r, err, opts.dialect ?? 'openai');
  if (req.method !== 'POST') {
    req.resume();
    send(res, new PennyError('method_not_allowed', `${path} takes POST`));
    return;
  }
  let tokenName: string | undefined;
  if (opts.auth.required) {
    const name = opts.auth.check(req.headers);
    // A virtual key (sk-penny-…) is verified by the service's guard, which answers 401 itself when it is bad.
    if (!name && !presentsVirtualKey(req.headers)) {
      req.resume();
      send(res, new PennyError('unauthorized', 'missing or wrong Penny token'));
      return;
    }
    if (name) tokenName = name;
  }
  const notJson = checkJsonContentType(req);
  if (notJson) {
    req.resume();
    send(res, notJson);
    return;
  }
  const ac = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (c: Buffer) => {
    if (over) return;
    size += c.length;
    if (size > opts.maxBody) {
      over = true;
      chunks.length = 0;
      res.setHeader('connection', 'close');
      send(
        res,
        new PennyError(
          'body_too_large',
          `the request body is larger than the limit of ${opts.maxBody} bytes (server.maxBodyBytes)`,
        ),
      );
    } else chunks.push(c);
  });
  req.on('error', () => ac.abort());
  req.on('end', () => {
    if (over) return;
    let body: unknown;
    try {
      const buf = Buffer.concat(chunks);
      const bom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
      body = JSON.parse((bom ? buf.subarray(3) : buf).toString('utf8'));
    } catch (e) {
      return send(
        res,
        new PennyError('invalid_json', `the request body is not valid JSON: ${(e as Error).message}`),
      );
    }
    const deep = tooDeepAt(body);
    if (deep !== null)
      return send(
        res,
        new PennyError(
          'invalid_request',
          `${formatJsonPath(deep, 6)} nests JSON deeper than ${MAX_JSON_DEPTH} levels; flatten it`,
          { param: formatJsonPath(deep, 4).replace(/…$/, '') },
        ),
      );
    const call: EndpointCall = {
      body,
      headers: req.headers,
      signal: ac.signal,
      ...(tokenName ? { tokenName } : {}),
      ...(opts.isPennyToken ? { isPennyToken: opts.isPennyToken } : {}),
    };
    // A key the client sent may be forwarded upstream and echoed back: masked by value until the call ends.
    const sent = sentSecrets(req.headers);
    for (const s of sent) rememberSecret(s);
    service
      .handle(call, res)
      .finally(() => {
        for (const s of sent) forgetSecret(s);
      })
      .then((reply) => {
        if (reply === null || res.headersSent || res.destroyed) return;
        reply.headers['content-length'] = String(Buffer.byteLength(reply.body));
        res.writeHead(reply.status, safeHeaders(reply.headers));
        res.end(reply.body);
      })
      .catch((e: unknown) => {
        opts.logger.error('endpoint failed', { path, error: e });
        if (!res.headersSent) send(res, new PennyError('internal', 'internal error'));
        else res.destroy();
      });
  });
}

function sendError(res: ServerResponse, err: PennyError, dialect: Dialect): void {
  if (res.headersSent) return;
  const w = toWireError(err, dialect);
  const text = JSON.stringify(w.body);
  res.writeHead(w.status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}
