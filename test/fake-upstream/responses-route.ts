/**
 * POST /v1/responses on the fake: the OpenAI Responses API, JSON or typed SSE events, with the same
 * deterministic answers and #fake: directives as the chat route. It keeps no state: a
 * `previous_response_id` is answered with 400, because Penny must expand the history itself.
 */
import { type Answer, buildAnswer, type JsonMode } from './answer.js';
import { openAiError } from './openai-wire.js';
import { isRecord, type Json } from './request-view.js';
import { responsesView } from './responses-view.js';
import { responsesBody, responsesFrames } from './responses-wire.js';
import { applyScenarioPreamble, type DialectErrors, parseBody, type RouteContext } from './route-context.js';
import { parseDirectives, type Scenario } from './scenario.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
const ERRORS: DialectErrors = { body: (s, m) => openAiError(s, m), headers: JSON_HEADERS };
const CREATED = 1_700_000_000;

function jsonMode(body: Json): JsonMode {
  const f = isRecord(body.text) && isRecord(body.text.format) ? body.text.format : undefined;
  if (f?.type === 'json_object') return { kind: 'object' };
  if (f?.type === 'json_schema') return { kind: 'schema', schema: isRecord(f.schema) ? f.schema : {} };
  return undefined;
}

export async function openAiResponses(ctx: RouteContext): Promise<void> {
  const { ex } = ctx;
  const auth = ex.req.headers.authorization ?? '';
  const key = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
  if (key === '' || key === 'bad-key') {
    ex.send(401, openAiError(401, 'Incorrect API key provided.'), JSON_HEADERS);
    return;
  }
  const body = parseBody(ctx.raw);
  if (body === undefined) {
    ex.send(400, openAiError(400, 'We could not parse the JSON body of your request.'), JSON_HEADERS);
    return;
  }
  ex.rec.body = body;
  const fail = (message: string, param: string) =>
    ex.send(400, openAiError(400, message, { param }), JSON_HEADERS);
  const view = responsesView(body);
  if (view.model === '') return fail("Missing required parameter: 'model'.", 'model');
  if (body.input === undefined) return fail("Missing required parameter: 'input'.", 'input');
  if (body.previous_response_id !== undefined)
    return fail('fake upstream: previous_response_id reached the upstream', 'previous_response_id');
  let sc: Scenario;
  try {
    sc = { ...parseDirectives(view.lastUserText), ...ctx.takeNext() };
  } catch (err) {
    return fail(`fake upstream: ${(err as Error).message}`, 'input');
  }
  if (await applyScenarioPreamble(ex, sc, ERRORS, view.stream)) return;
  const answer: Answer = buildAnswer(view, sc, `call_fake_${ctx.seq}`, jsonMode(body));
  const rctx = { id: `fake_${ctx.seq}`, model: view.model, created: CREATED, body };
  const requestId = `req_fake_${ctx.seq}`;
  if (view.stream)
    await ex.stream(responsesFrames(answer, rctx), { ...SSE_HEADERS, 'x-request-id': requestId }, sc);
  else
    ex.sendBody(
      JSON.stringify(responsesBody(answer, rctx)),
      { ...JSON_HEADERS, 'x-request-id': requestId },
      sc,
    );
}
