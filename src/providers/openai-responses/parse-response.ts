/**
 * An OpenAI Responses API body from an upstream → CanonicalResponse. Output text and refusals of message
 * items, and function calls, become canonical parts; reasoning items and built-in tool calls are kept as
 * raw parts so a Responses client gets them back verbatim. The finish reason is derived from `status`,
 * `incomplete_details` and whether the model called a function.
 */
import { ProviderError } from '../../core/errors.js';
import type { ContentPart } from '../../core/request.js';
import type { CanonicalResponse, Finish } from '../../core/response.js';
import { isObject, type JsonObject } from '../openai/wire-guards.js';
import { parseResponsesUsage } from './convert-usage.js';

export function finishOf(status: unknown, incomplete: unknown, calledTool: boolean): Finish {
  const reason = isObject(incomplete) && typeof incomplete.reason === 'string' ? incomplete.reason : null;
  if (status === 'incomplete') {
    if (reason === 'max_output_tokens') return { unified: 'length', raw: reason };
    if (reason === 'content_filter') return { unified: 'content_filter', raw: reason };
    return { unified: 'other', raw: reason ?? 'incomplete' };
  }
  if (status === 'failed') return { unified: 'error', raw: 'failed' };
  if (calledTool) return { unified: 'tool_calls', raw: typeof status === 'string' ? status : null };
  return { unified: 'stop', raw: typeof status === 'string' ? status : null };
}

/** The canonical parts of one output item (appended to `content`); returns a refusal text, if any. */
export function outputItemParts(item: JsonObject, content: ContentPart[]): string | undefined {
  if (item.type === 'message') {
    let refusal: string | undefined;
    for (const c of Array.isArray(item.content) ? item.content : []) {
      if (!isObject(c)) continue;
      if (c.type === 'output_text' && typeof c.text === 'string') {
        const last = content.at(-1);
        if (last?.type === 'text') last.text += c.text;
        else content.push({ type: 'text', text: c.text });
      } else if (c.type === 'refusal' && typeof c.refusal === 'string') refusal = (refusal ?? '') + c.refusal;
    }
    return refusal;
  }
  if (item.type === 'function_call') {
    content.push({
      type: 'tool_call',
      id: typeof item.call_id === 'string' ? item.call_id : String(item.id ?? ''),
      name: typeof item.name === 'string' ? item.name : '',
      arguments: typeof item.arguments === 'string' ? item.arguments : '',
    });
    return undefined;
  }
  content.push({ type: 'raw', dialect: 'responses', value: item });
  return undefined;
}

export function parseResponse(body: unknown, provider: string): CanonicalResponse {
  if (!isObject(body) || !Array.isArray(body.output))
    throw new ProviderError(
      'upstream_bad_response',
      provider,
      `provider "${provider}" returned a Responses API body without an output array`,
      { retryable: true },
    );
  const content: ContentPart[] = [];
  let refusal: string | undefined;
  for (const item of body.output) {
    if (!isObject(item)) continue;
    const r = outputItemParts(item, content);
    if (r !== undefined) refusal = (refusal ?? '') + r;
  }
  const calledTool = content.some((p) => p.type === 'tool_call');
  const res: CanonicalResponse = {
    id: typeof body.id === 'string' ? body.id : '',
    model: typeof body.model === 'string' ? body.model : '',
    created: typeof body.created_at === 'number' ? Math.floor(body.created_at) : 0,
    choices: [
      {
        index: 0,
        content,
        ...(refusal !== undefined ? { refusal } : {}),
        finish: finishOf(body.status, body.incomplete_details, calledTool),
      },
    ],
    usage: isObject(body.usage) ? parseResponsesUsage(body.usage) : null,
    sourceDialect: 'responses',
  };
  const extra: JsonObject = {};
  for (const k of ['service_tier', 'reasoning', 'text', 'truncation'] as const)
    if (body[k] !== undefined) extra[k] = body[k];
  if (Object.keys(extra).length) res.extra = extra;
  return res;
}
