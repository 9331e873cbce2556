/**
 * POST /v1/chat/completions on the fake: auth like the real API (Bearer key; "bad-key" is rejected),
 * scenario directives, JSON or SSE answers, and the benchmark fast path.
 */
import { type Answer, buildAnswer, type JsonMode } from './answer.js';
import { type OpenAiCtx, openAiCompletion, openAiError, openAiFrames } from './openai-wire.js';
import { isRecord, type Json, openAiView } from './request-view.js';
import {
  applyScenarioPreamble,
  type DialectErrors,
  parseBody,
  type RouteContext,
  recordUsage,
  scenarioFor,
} from './route-context.js';
import { parseDirectives, type Scenario } from './scenario.js';

const JSON_HEADERS = { 'content-type': 'application/json', 'openai-processing-ms': '1' };
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
const ERRORS: DialectErrors = { body: (s, m) => openAiError(s, m), headers: JSON_HEADERS };
const CREATED = 1_700_000_000;

/** True when the bearer key is acceptable; otherwise answers 401 like the real API. */
function checkAuth(ctx: RouteContext): boolean {
  const auth = ctx.ex.req.headers.authorization ?? '';
  const key = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
  if (key === '') {
    ctx.ex.send(
      401,
      openAiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        { code: null },
      ),
      JSON_HEADERS,
    );
    return false;
  }
  if (key === 'bad-key') {
    ctx.ex.send(401, openAiError(401, 'Incorrect API key provided: bad-key.'), JSON_HEADERS);
    return false;
  }
  return true;
}

function jsonMode(body: Json): JsonMode {
  const rf = body.response_format;
  if (!isRecord(rf)) return undefined;
  if (rf.type === 'json_object') return { kind: 'object' };
  if (rf.type === 'json_schema' && isRecord(rf.json_schema)) {
    return { kind: 'schema', schema: isRecord(rf.json_schema.schema) ? rf.json_schema.schema : {} };
  }
  return undefined;
}

const FAST_WORDS = 6;

function roomFor(max: unknown): boolean {
  return max === undefined || max === null || (typeof max === 'number' && max >= FAST_WORDS);
}

function isPlain(body: Json): boolean {
  return (
    body.tools === undefined &&
    body.logprobs !== true &&
    body.response_format === undefined &&
    (body.n === undefined || body.n === 1) &&
    roomFor(body.max_tokens) &&
    roomFor(body.max_completion_tokens) &&
    body.stop === undefined
  );
}

function fastBuffers(ctx: RouteContext, model: string, stream: boolean, includeUsage: boolean): Buffer[] {
  const key = `openai:${model}:${stream}:${includeUsage}`;
  let bufs = ctx.fastCache.get(key);
  if (bufs === undefined) {
    const view = { ...openAiView({ model }), lastUserText: 'fast path', inputTokens: 16 };
    const answer = buildAnswer(view, { words: FAST_WORDS }, 'call_fast', undefined);
    const octx: OpenAiCtx = {
      id: 'chatcmpl-fast',
      model,
      created: CREATED,
      n: 1,
      logprobs: false,
      topLogprobs: 0,
    };
    bufs = stream
      ? openAiFrames(answer, octx, includeUsage).map((f) => Buffer.from(f.data))
      : [Buffer.from(JSON.stringify(openAiCompletion(answer, octx)))];
    ctx.fastCache.set(key, bufs);
  }
  return bufs;
}

export async function openAiChat(ctx: RouteContext): Promise<void> {
  const { ex } = ctx;
  if (!checkAuth(ctx)) return;
  const body = parseBody(ctx.raw);
  if (body === undefined) {
    ex.send(400, openAiError(400, 'We could not parse the JSON body of your request.'), JSON_HEADERS);
    return;
  }
  ex.rec.body = body;
  const view = openAiView(body);
  if (view.model === '') {
    ex.send(400, openAiError(400, "Missing required parameter: 'model'.", { param: 'model' }), JSON_HEADERS);
    return;
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    ex.send(
      400,
      openAiError(400, "Missing required parameter: 'messages'.", { param: 'messages' }),
      JSON_HEADERS,
    );
    return;
  }
  const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
  const includeUsage = streamOptions.include_usage === true;
  const requestId = `req_fake_${ctx.seq}`;

  if (ctx.fast && !ctx.raw.includes('#fake:') && isPlain(body)) {
    const next = ctx.takeNext();
    if (next === undefined) {
      const bufs = fastBuffers(ctx, view.model, view.stream, includeUsage);
      if (view.stream) ex.streamBuffers(bufs, { ...SSE_HEADERS, 'x-request-id': requestId });
      else ex.send(200, bufs[0] as Buffer, { ...JSON_HEADERS, 'x-request-id': requestId });
      return;
    }
    return respond(ctx, body, view, next, includeUsage, requestId);
  }

  let sc: Scenario;
  try {
    sc = scenarioFor(ctx, 'openai', view.stream, parseDirectives(view.lastUserText));
  } catch (err) {
    ex.send(400, openAiError(400, `fake upstream: ${(err as Error).message}`), JSON_HEADERS);
    return;
  }
  return respond(ctx, body, view, sc, includeUsage, requestId);
}

async function respond(
  ctx: RouteContext,
  body: Json,
  view: ReturnType<typeof openAiView>,
  sc: Scenario,
  includeUsage: boolean,
  requestId: string,
): Promise<void> {
  const { ex } = ctx;
  if (await applyScenarioPreamble(ex, sc, ERRORS, view.stream)) return;
  const answer: Answer = buildAnswer(view, sc, `call_fake_${ctx.seq}`, jsonMode(body));
  const n = typeof body.n === 'number' && Number.isInteger(body.n) && body.n > 1 ? Math.min(body.n, 16) : 1;
  const octx: OpenAiCtx = {
    id: `chatcmpl-fake-${ctx.seq}`,
    model: view.model,
    created: CREATED,
    n,
    logprobs: body.logprobs === true,
    topLogprobs: typeof body.top_logprobs === 'number' ? body.top_logprobs : 0,
  };
  if (n === 1) recordUsage(ex, view.model, sc, answer.usage);
  if (view.stream) {
    await ex.stream(
      openAiFrames(answer, octx, includeUsage),
      { ...SSE_HEADERS, 'x-request-id': requestId },
      sc,
    );
  } else if (sc.shortBody) {
    ex.sendShort(JSON.stringify(openAiCompletion(answer, octx)), {
      ...JSON_HEADERS,
      'x-request-id': requestId,
    });
  } else {
    ex.sendBody(
      JSON.stringify(openAiCompletion(answer, octx)),
      { ...JSON_HEADERS, 'x-request-id': requestId },
      sc,
    );
  }
}
