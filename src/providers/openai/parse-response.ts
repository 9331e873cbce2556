/**
 * An upstream `chat.completion` body → CanonicalResponse. The body was already parsed by the caller; this
 * only checks its shape. Top-level fields Penny does not model (system_fingerprint, service_tier …) are
 * kept in `extra`; `reasoning_content` (DeepSeek, vLLM) becomes a reasoning part.
 */
import { ProviderError } from '../../core/errors.js';
import type { ContentPart } from '../../core/request.js';
import type { CanonicalResponse, Choice } from '../../core/response.js';
import { parseUsage } from './convert-usage.js';
import { mapFinishReason } from './map-finish-reason.js';
import { isObject, type JsonObject } from './wire-guards.js';

const KNOWN = new Set(['id', 'object', 'created', 'model', 'choices', 'usage']);

function bad(provider: string, what: string): ProviderError {
  return new ProviderError(
    'upstream_bad_response',
    provider,
    `${provider} returned an invalid chat completion: ${what}`,
  );
}

/** Tool-call arguments as JSON text; a few OpenAI-compatible servers send an object instead. */
export function argumentsText(v: unknown): string {
  if (typeof v === 'string') return v;
  return v === undefined || v === null ? '' : JSON.stringify(v);
}

function parseContent(msg: JsonObject, provider: string, path: string): ContentPart[] {
  const parts: ContentPart[] = [];
  const reasoning = msg.reasoning_content;
  if (typeof reasoning === 'string' && reasoning !== '') parts.push({ type: 'reasoning', text: reasoning });
  const content = msg.content;
  if (typeof content === 'string') parts.push({ type: 'text', text: content });
  else if (Array.isArray(content)) {
    for (const p of content)
      if (isObject(p) && typeof p.text === 'string') parts.push({ type: 'text', text: p.text });
  } else if (content !== null && content !== undefined)
    throw bad(provider, `${path}.content is not a string`);
  const calls = msg.tool_calls;
  if (Array.isArray(calls)) {
    for (let j = 0; j < calls.length; j++) {
      const c = calls[j];
      const fn = isObject(c) ? c.function : undefined;
      if (!isObject(c) || !isObject(fn) || typeof fn.name !== 'string') {
        throw bad(provider, `${path}.tool_calls[${j}] is not a function call`);
      }
      parts.push({
        type: 'tool_call',
        id: typeof c.id === 'string' ? c.id : '',
        name: fn.name,
        arguments: argumentsText(fn.arguments),
      });
    }
  } else if (calls !== null && calls !== undefined) throw bad(provider, `${path}.tool_calls is not an array`);
  return parts;
}

function parseChoice(v: unknown, i: number, provider: string): Choice {
  const path = `choices[${i}]`;
  if (!isObject(v)) throw bad(provider, `${path} is not an object`);
  const msg = v.message;
  if (!isObject(msg)) throw bad(provider, `${path}.message is not an object`);
  const choice: Choice = {
    index: typeof v.index === 'number' ? v.index : i,
    content: parseContent(msg, provider, `${path}.message`),
    finish: mapFinishReason(v.finish_reason),
  };
  if (typeof msg.refusal === 'string' || msg.refusal === null) choice.refusal = msg.refusal;
  if (v.logprobs !== undefined) choice.logprobs = v.logprobs;
  return choice;
}

export function parseResponse(body: unknown, provider: string): CanonicalResponse {
  if (!isObject(body)) throw bad(provider, 'the body is not a JSON object');
  const rawChoices = body.choices;
  if (!Array.isArray(rawChoices)) throw bad(provider, 'choices is missing');
  const choices: Choice[] = new Array(rawChoices.length);
  for (let i = 0; i < rawChoices.length; i++) choices[i] = parseChoice(rawChoices[i], i, provider);
  const res: CanonicalResponse = {
    id: typeof body.id === 'string' ? body.id : '',
    model: typeof body.model === 'string' ? body.model : '',
    created: typeof body.created === 'number' ? body.created : 0,
    choices,
    usage: isObject(body.usage) ? parseUsage(body.usage) : null,
    sourceDialect: 'openai',
  };
  let extra: JsonObject | undefined;
  for (const key of Object.keys(body)) {
    if (KNOWN.has(key)) continue;
    if (extra === undefined) extra = {};
    extra[key] = body[key];
  }
  if (extra !== undefined) res.extra = extra;
  return res;
}
