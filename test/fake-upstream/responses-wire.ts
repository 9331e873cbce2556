/**
 * OpenAI Responses API wire format for the fake: the `response` object and its typed SSE events.
 * `input_tokens` INCLUDES cached tokens and `output_tokens` INCLUDES reasoning tokens, as on the real API;
 * #fake:reasoning=N adds a reasoning item (id rs_…) before the answer.
 */
import type { Answer, AnswerUsage } from './answer.js';
import { type Frame, sseEvent } from './frames.js';
import type { Json } from './request-view.js';

export interface ResponsesCtx {
  id: string;
  model: string;
  created: number;
  /** Request settings echoed in the response object. */
  body: Json;
}

export function responsesUsage(u: AnswerUsage): Json {
  const writes = u.cacheWrite5m + u.cacheWrite1h;
  const input = u.input + u.cached + writes;
  const output = u.output + u.reasoning;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: u.cached, cache_write_tokens: writes },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: u.reasoning },
    total_tokens: input + output,
  };
}

function status(a: Answer): { status: string; incomplete: Json | null } {
  if (a.finish === 'length') return { status: 'incomplete', incomplete: { reason: 'max_output_tokens' } };
  return { status: 'completed', incomplete: null };
}

function outputItems(a: Answer, ctx: ResponsesCtx): Json[] {
  const items: Json[] = [];
  if (a.usage.reasoning > 0) items.push({ type: 'reasoning', id: `rs_${ctx.id}`, summary: [] });
  const itemStatus = status(a).status === 'completed' ? 'completed' : 'incomplete';
  if (a.toolCall)
    items.push({
      type: 'function_call',
      id: `fc_${ctx.id}`,
      call_id: a.toolCall.id,
      name: a.toolCall.name,
      arguments: a.toolCall.arguments,
      status: 'completed',
    });
  else
    items.push({
      type: 'message',
      id: `msg_${ctx.id}`,
      status: itemStatus,
      role: 'assistant',
      content: [{ type: 'output_text', text: a.text, annotations: [], logprobs: [] }],
    });
  return items;
}

function responseObject(
  ctx: ResponsesCtx,
  st: string,
  incomplete: Json | null,
  output: Json[],
  usage: Json | null,
): Json {
  const b = ctx.body;
  return {
    id: `resp_${ctx.id}`,
    object: 'response',
    created_at: ctx.created,
    status: st,
    completed_at: st === 'completed' ? ctx.created + 1 : null,
    error: null,
    incomplete_details: incomplete,
    instructions: b.instructions ?? null,
    max_output_tokens: b.max_output_tokens ?? null,
    model: ctx.model,
    output,
    parallel_tool_calls: b.parallel_tool_calls ?? true,
    previous_response_id: b.previous_response_id ?? null,
    reasoning: { effort: null, summary: null, ...(b.reasoning as Json | undefined) },
    store: b.store ?? true,
    temperature: b.temperature ?? 1,
    text: b.text ?? { format: { type: 'text' } },
    tool_choice: b.tool_choice ?? 'auto',
    tools: b.tools ?? [],
    top_p: b.top_p ?? 1,
    truncation: 'disabled',
    ...(usage === null ? {} : { usage }),
    metadata: b.metadata ?? {},
  };
}

export function responsesBody(a: Answer, ctx: ResponsesCtx): Json {
  const s = status(a);
  return responseObject(ctx, s.status, s.incomplete, outputItems(a, ctx), responsesUsage(a.usage));
}

export function responsesFrames(a: Answer, ctx: ResponsesCtx): Frame[] {
  let seq = 0;
  const ev = (type: string, body: Json, content = false) =>
    sseEvent(type, { type, ...body, sequence_number: seq++ }, content);
  const frames: Frame[] = [];
  const initial = responseObject(ctx, 'in_progress', null, [], null);
  frames.push(
    ev('response.created', { response: initial }),
    ev('response.in_progress', { response: initial }),
  );
  const items = outputItems(a, ctx);
  items.forEach((item, output_index) => {
    if (item.type === 'message') {
      const id = item.id;
      frames.push(
        ev('response.output_item.added', {
          output_index,
          item: { ...item, status: 'in_progress', content: [] },
        }),
      );
      const part = { type: 'output_text', text: '', annotations: [], logprobs: [] };
      frames.push(ev('response.content_part.added', { item_id: id, output_index, content_index: 0, part }));
      for (const piece of a.pieces)
        frames.push(
          ev(
            'response.output_text.delta',
            { item_id: id, output_index, content_index: 0, delta: piece, logprobs: [] },
            true,
          ),
        );
      frames.push(
        ev('response.output_text.done', {
          item_id: id,
          output_index,
          content_index: 0,
          text: a.text,
          logprobs: [],
        }),
        ev('response.content_part.done', {
          item_id: id,
          output_index,
          content_index: 0,
          part: { ...part, text: a.text },
        }),
        ev('response.output_item.done', { output_index, item }),
      );
    } else if (item.type === 'function_call') {
      const id = item.id;
      frames.push(
        ev('response.output_item.added', {
          output_index,
          item: { ...item, arguments: '', status: 'in_progress' },
        }),
      );
      for (const f of a.toolCall?.fragments ?? [])
        frames.push(
          ev('response.function_call_arguments.delta', { item_id: id, output_index, delta: f }, true),
        );
      frames.push(
        ev('response.function_call_arguments.done', {
          item_id: id,
          output_index,
          name: item.name,
          arguments: item.arguments,
        }),
        ev('response.output_item.done', { output_index, item }),
      );
    } else {
      frames.push(
        ev('response.output_item.added', { output_index, item }),
        ev('response.output_item.done', { output_index, item }),
      );
    }
  });
  const s = status(a);
  const final = responseObject(ctx, s.status, s.incomplete, items, responsesUsage(a.usage));
  frames.push(
    ev(s.status === 'completed' ? 'response.completed' : 'response.incomplete', { response: final }),
  );
  return frames;
}
