/**
 * CanonicalResponse → an OpenAI `chat.completion` body for a client. Usage is rendered in OpenAI's shape
 * (prompt_tokens counts cached input too; completion_tokens counts reasoning). Fields of the upstream's
 * body that Penny does not model are copied only when the upstream spoke OpenAI as well.
 */
import type { CanonicalRequest } from '../../core/request.js';
import type { CanonicalResponse, Choice } from '../../core/response.js';
import { renderUsage } from './convert-usage.js';
import { toOpenAIFinishReason } from './map-finish-reason.js';
import type { JsonObject } from './wire-guards.js';
import { ownCopy } from '../../core/own-copy.js';

function renderChoice(c: Choice): JsonObject {
  let text: string | null = null;
  let toolCalls: JsonObject[] | undefined;
  for (const p of c.content) {
    if (p.type === 'text') text = text === null ? p.text : text + p.text;
    else if (p.type === 'tool_call') {
      if (toolCalls === undefined) toolCalls = [];
      toolCalls.push({ id: p.id, type: 'function', function: { name: p.name, arguments: p.arguments } });
    }
  }
  const message: JsonObject = { role: 'assistant', content: text, refusal: c.refusal ?? null };
  if (toolCalls !== undefined) message.tool_calls = toolCalls;
  return {
    index: c.index,
    message,
    logprobs: c.logprobs ?? null,
    finish_reason: toOpenAIFinishReason(c.finish),
  };
}

export function renderResponse(res: CanonicalResponse, _req: CanonicalRequest): Record<string, unknown> {
  const out: JsonObject = res.sourceDialect === 'openai' ? ownCopy(res.extra) : {};
  out.id = res.id;
  out.object = 'chat.completion';
  out.created = res.created;
  out.model = res.model;
  const choices: JsonObject[] = new Array(res.choices.length);
  for (let i = 0; i < res.choices.length; i++) choices[i] = renderChoice(res.choices[i] as Choice);
  out.choices = choices;
  if (res.usage !== null) out.usage = renderUsage(res.usage);
  return out;
}
