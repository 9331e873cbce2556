/**
 * POST /v1/messages (and /v1/messages/count_tokens) on the fake: requires an API key (`x-api-key`, or
 * `Authorization: Bearer` as @anthropic-ai/sdk 1.x sends it) and `anthropic-version` like the real API,
 * then answers JSON or the full SSE event sequence.
 */
import { buildAnswer } from './answer.js';
import { type AnthropicCtx, anthropicError, anthropicFrames, anthropicMessage } from './anthropic-wire.js';
import { anthropicView, inputTokensOf, type Json } from './request-view.js';
import {
  applyScenarioPreamble,
  type DialectErrors,
  parseBody,
  type RouteContext,
  recordUsage,
  scenarioFor,
} from './route-context.js';
import { parseDirectives, type Scenario } from './scenario.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
const FAST_WORDS = 6;

/** Checks headers and body; answers the error and returns undefined when they are not acceptable. */
function admit(ctx: RouteContext, requestId: string): Json | undefined {
  const { ex } = ctx;
  const headers = { ...JSON_HEADERS, 'request-id': requestId };
  // The real API takes `x-api-key`; newer SDKs (1.x) send the same key as `Authorization: Bearer`.
  const auth = ex.req.headers.authorization ?? '';
  const key = ex.req.headers['x-api-key'] ?? (auth.startsWith('Bearer ') ? auth.slice(7).trim() : '');
  if (typeof key !== 'string' || key === '') {
    ex.send(401, anthropicError(401, 'x-api-key header is required', requestId), headers);
    return undefined;
  }
  if (key === 'bad-key') {
    ex.send(401, anthropicError(401, 'invalid x-api-key', requestId), headers);
    return undefined;
  }
  if (typeof ex.req.headers['anthropic-version'] !== 'string') {
    ex.send(400, anthropicError(400, 'anthropic-version: header is required', requestId), headers);
    return undefined;
  }
  const body = parseBody(ctx.raw);
  if (body === undefined) {
    ex.send(
      400,
      anthropicError(400, 'There was an issue with your request body: invalid JSON', requestId),
      headers,
    );
    return undefined;
  }
  ex.rec.body = body;
  return body;
}

export function anthropicCountTokens(ctx: RouteContext): void {
  const requestId = `req_fake_${ctx.seq}`;
  const body = admit(ctx, requestId);
  if (body === undefined) return;
  const json = JSON.stringify({ input_tokens: inputTokensOf(body) });
  ctx.ex.send(200, json, { ...JSON_HEADERS, 'request-id': requestId });
}

export async function anthropicMessages(ctx: RouteContext): Promise<void> {
  const requestId = `req_fake_${ctx.seq}`;
  const body = admit(ctx, requestId);
  if (body === undefined) return;
  const { ex } = ctx;
  const headers = { ...JSON_HEADERS, 'request-id': requestId };
  const fail = (message: string) => ex.send(400, anthropicError(400, message, requestId), headers);
  const view = anthropicView(body);
  if (view.model === '') return fail('model: Field required');
  if (typeof body.max_tokens !== 'number') return fail('max_tokens: Field required');
  if (!Array.isArray(body.messages) || body.messages.length === 0) return fail('messages: Field required');

  const plain =
    body.tools === undefined &&
    body.stop_sequences === undefined &&
    view.maxTokens !== undefined &&
    view.maxTokens >= FAST_WORDS;
  let sc: Scenario | undefined;
  if (ctx.fast && plain && !ctx.raw.includes('#fake:')) sc = ctx.takeNext();
  else {
    try {
      sc = scenarioFor(ctx, 'anthropic', view.stream, parseDirectives(view.lastUserText));
    } catch (err) {
      return fail(`fake upstream: ${(err as Error).message}`);
    }
  }

  if (sc === undefined) {
    const key = `anthropic:${view.model}:${view.stream}`;
    let bufs = ctx.fastCache.get(key);
    if (bufs === undefined) {
      const answer = buildAnswer(
        { ...view, lastUserText: 'fast path', inputTokens: 16 },
        { words: FAST_WORDS },
        '',
        undefined,
      );
      const actx: AnthropicCtx = { id: 'msg_fake_fast', model: view.model };
      bufs = view.stream
        ? anthropicFrames(answer, actx).map((f) => Buffer.from(f.data))
        : [Buffer.from(JSON.stringify(anthropicMessage(answer, actx)))];
      ctx.fastCache.set(key, bufs);
    }
    if (view.stream) ex.streamBuffers(bufs, { ...SSE_HEADERS, 'request-id': requestId });
    else ex.send(200, bufs[0] as Buffer, headers);
    return;
  }

  const errors: DialectErrors = { body: (s, m) => anthropicError(s, m, requestId), headers };
  if (await applyScenarioPreamble(ex, sc, errors, view.stream)) return;
  const answer = buildAnswer(view, sc, `toolu_fake_${ctx.seq}`, undefined);
  const actx: AnthropicCtx = { id: `msg_fake_${ctx.seq}`, model: view.model };
  recordUsage(ex, view.model, sc, answer.usage);
  if (view.stream)
    await ex.stream(anthropicFrames(answer, actx), { ...SSE_HEADERS, 'request-id': requestId }, sc);
  else if (sc.shortBody) ex.sendShort(JSON.stringify(anthropicMessage(answer, actx)), headers);
  else ex.sendBody(JSON.stringify(anthropicMessage(answer, actx)), headers, sc);
}
