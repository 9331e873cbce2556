/**
 * The Responses API's HTTP face beside the chat routes: `POST /v1/responses` runs through the gateway like
 * any chat request, with conversation state around it (conversations/responses-state.ts);
 * `GET /v1/responses/{id}` returns a stored response, `GET /v1/responses/{id}/input_items` lists the items it
 * was generated from, and `DELETE /v1/responses/{id}` forgets it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listInputItems, parseListQuery } from '../conversations/input-items.js';
import type { ResponsesState } from '../conversations/responses-state.js';
import { PennyError, asPennyError } from '../core/errors.js';
import { toWireError } from '../providers/wire-error.js';
import type { Logger } from '../observability/logger.js';
import type { Gateway, IncomingCall } from '../pipeline/gateway.js';

export const RESPONSES_PREFIX = '/v1/responses/';

/** Runs one `POST /v1/responses` call: history expanded, answer stored, ledger entry settled by the gateway. */
export function handleResponsesCall(
  gateway: Gateway,
  state: ResponsesState,
  call: IncomingCall,
  logger: Logger,
): void {
  state
    .prepare(call.body)
    .then(
      (p) => gateway.handle({ ...call, body: p.body, sink: p.wrap(call.sink) }),
      (e: unknown) => gateway.handle({ ...call, preError: asPennyError(e) }),
    )
    .catch((e: unknown) => logger.error('request handling failed', { error: e }));
}

/** GET / DELETE /v1/responses/{id}. */
export async function handleStoredResponse(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  state: ResponsesState,
): Promise<void> {
  req.resume();
  let id: string;
  try {
    id = decodeURIComponent(path.slice(RESPONSES_PREFIX.length));
  } catch {
    return send(res, new PennyError('not_found', `no route ${req.method} ${path.slice(0, 200)}`));
  }
  if (id.endsWith('/input_items') && !id.slice(0, -'/input_items'.length).includes('/')) {
    if (req.method !== 'GET')
      return send(res, new PennyError('method_not_allowed', `${RESPONSES_PREFIX}{id}/input_items takes GET`));
    const rid = id.slice(0, -'/input_items'.length);
    const stored = rid === '' ? null : await state.store.get(rid);
    if (!stored) return send(res, notFound(rid));
    const url = req.url ?? '';
    const q = url.indexOf('?');
    try {
      const query = parseListQuery(new URLSearchParams(q < 0 ? '' : url.slice(q + 1)));
      return json(res, 200, listInputItems(stored, query));
    } catch (e) {
      return send(res, asPennyError(e));
    }
  }
  if (id === '' || id.includes('/')) {
    return send(res, new PennyError('not_found', `no route ${req.method} ${path.slice(0, 200)}`));
  }
  if (req.method === 'GET') {
    const stored = await state.store.get(id);
    if (!stored) return send(res, notFound(id));
    return json(res, 200, stored.response);
  }
  if (req.method === 'DELETE') {
    if (!(await state.store.delete(id))) return send(res, notFound(id));
    return json(res, 200, { id, object: 'response', deleted: true });
  }
  return send(res, new PennyError('method_not_allowed', `${RESPONSES_PREFIX}{id} takes GET or DELETE`));
}

function notFound(id: string): PennyError {
  return new PennyError('not_found', `Response with id '${id.slice(0, 200)}' not found.`);
}

function send(res: ServerResponse, err: PennyError): void {
  const w = toWireError(err, 'responses');
  json(res, w.status, w.body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}
