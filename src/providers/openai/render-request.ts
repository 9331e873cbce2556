/**
 * CanonicalRequest → OpenAI Chat Completions body, the inverse of parse-request. `extra` (top level and per
 * message) is copied only when the client spoke OpenAI: fields of another dialect mean nothing here.
 * `extra` is laid down first and the modelled fields over it, so a value the pipeline changed (model,
 * max tokens, stream …) always wins over a remembered one.
 */
import type { CanonicalRequest, ResponseFormat, ToolChoice, ToolDef } from '../../core/request.js';
import type { RenderRequestOptions } from '../dialect.js';
import { joinText, renderMessage, renderParts } from './render-message.js';
import { isObject, type JsonObject } from './wire-guards.js';
import { ownCopy } from '../../core/own-copy.js';

function renderTool(t: ToolDef): unknown {
  if (t.raw !== undefined) return t.raw.dialect === 'openai' ? t.raw.value : undefined;
  const fn: JsonObject = { name: t.name };
  if (t.description !== undefined) fn.description = t.description;
  if (Object.keys(t.parameters).length > 0) fn.parameters = t.parameters;
  if (t.strict !== undefined) fn.strict = t.strict;
  return { type: 'function', function: fn };
}

function renderToolChoice(tc: ToolChoice): unknown {
  return tc.type === 'tool' ? { type: 'function', function: { name: tc.name } } : tc.type;
}

function renderResponseFormat(rf: ResponseFormat): JsonObject {
  if (rf.type !== 'json_schema') return { type: rf.type };
  const js: JsonObject = { name: rf.name, schema: rf.schema };
  if (rf.strict !== undefined) js.strict = rf.strict;
  if (rf.description !== undefined) js.description = rf.description;
  return { type: 'json_schema', json_schema: js };
}

export function renderRequest(req: CanonicalRequest, opts: RenderRequestOptions): Record<string, unknown> {
  const same = req.dialect === 'openai';
  const out: JsonObject = same ? ownCopy(req.extra) : {};
  out.model = opts.model;

  const messages: unknown[] = [];
  if (req.system.length > 0) {
    messages.push({
      role: req.systemRole ?? 'system',
      content: req.systemWasString || !same ? joinText(req.system) : renderParts(req.system, true),
    });
  }
  for (const m of req.messages) renderMessage(m, same, messages);
  out.messages = messages;

  let hasTools = false;
  if (req.tools !== undefined) {
    const tools: unknown[] = [];
    for (const t of req.tools) {
      const r = renderTool(t);
      if (r !== undefined) tools.push(r);
    }
    if (tools.length > 0 || same) {
      out.tools = tools;
      hasTools = tools.length > 0;
    }
  }
  if (req.toolChoice !== undefined && (same || hasTools)) out.tool_choice = renderToolChoice(req.toolChoice);
  if (req.parallelToolCalls !== undefined && (same || hasTools))
    out.parallel_tool_calls = req.parallelToolCalls;
  if (req.responseFormat !== undefined) out.response_format = renderResponseFormat(req.responseFormat);
  if (req.maxTokens !== undefined) out[req.maxTokensField ?? 'max_completion_tokens'] = req.maxTokens;
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.topP !== undefined) out.top_p = req.topP;
  if (req.stop !== undefined) out.stop = req.stopWasString && req.stop.length === 1 ? req.stop[0] : req.stop;
  if (req.n !== undefined) out.n = req.n;
  if (req.seed !== undefined) out.seed = req.seed;
  if (req.logprobs !== undefined) out.logprobs = req.logprobs;
  if (req.topLogprobs !== undefined) out.top_logprobs = req.topLogprobs;
  if (req.presencePenalty !== undefined) out.presence_penalty = req.presencePenalty;
  if (req.frequencyPenalty !== undefined) out.frequency_penalty = req.frequencyPenalty;
  if (req.reasoning?.effort !== undefined) out.reasoning_effort = req.reasoning.effort;
  if (req.user !== undefined) out.user = req.user;
  if (req.metadata !== undefined && same) out.metadata = req.metadata;
  if (req.promptCacheKey !== undefined) out.prompt_cache_key = req.promptCacheKey;

  if (req.stream) {
    out.stream = true;
    const kept = same && isObject(req.extra.stream_options) ? req.extra.stream_options : undefined;
    const includeUsage = opts.forceStreamUsage ? true : req.streamUsage;
    if (includeUsage !== undefined)
      out.stream_options = Object.assign(ownCopy(kept), { include_usage: includeUsage });
    else if (kept !== undefined) out.stream_options = kept;
  } else if (out.stream_options !== undefined) {
    delete out.stream_options; // OpenAI rejects stream_options on a non-streaming request
  }
  return out;
}
