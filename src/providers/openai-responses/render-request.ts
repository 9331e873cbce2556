/**
 * CanonicalRequest → an OpenAI Responses API body for an OpenAI upstream. Used when the client spoke the
 * Responses API too (so built-in tools, reasoning items and unknown fields survive: they ride in `extra`
 * and raw parts of this dialect); other dialects' raw parts and tools are left out. The conversation state
 * is never sent: the gateway already expanded `previous_response_id` into the input.
 */
import type { CanonicalRequest, ContentPart, Message, ToolDef } from '../../core/request.js';
import type { RenderRequestOptions } from '../dialect.js';
import type { JsonObject } from '../openai/wire-guards.js';
import { ownCopy } from '../../core/own-copy.js';

function imageUrl(p: Extract<ContentPart, { type: 'image' }>): string {
  return p.source.kind === 'url' ? p.source.url : `data:${p.source.mediaType};base64,${p.source.data}`;
}

function renderParts(parts: ContentPart[], assistant: boolean): unknown[] {
  const out: unknown[] = [];
  for (const p of parts) {
    if (p.type === 'text')
      out.push(assistant ? { type: 'output_text', text: p.text } : { type: 'input_text', text: p.text });
    else if (p.type === 'image') {
      const img: JsonObject = { type: 'input_image', image_url: imageUrl(p) };
      img.detail = p.detail ?? 'auto';
      out.push(img);
    } else if (p.type === 'raw' && p.dialect === 'responses') out.push(p.value);
  }
  return out;
}

function textOf(parts: ContentPart[] | string): string {
  if (typeof parts === 'string') return parts;
  let s = '';
  for (const p of parts) if (p.type === 'text') s += p.text;
  return s;
}

function renderAssistant(m: Message, items: unknown[]): void {
  let text: ContentPart[] = [];
  const flush = () => {
    if (text.length === 0) return;
    items.push({ role: 'assistant', content: textOf(text) });
    text = [];
  };
  for (const p of m.content) {
    if (p.type === 'text') text.push(p);
    else if (p.type === 'tool_call') {
      flush();
      items.push({ type: 'function_call', call_id: p.id, name: p.name, arguments: p.arguments });
    } else if (p.type === 'raw' && p.dialect === 'responses') {
      flush();
      items.push(p.value);
    }
  }
  flush();
  if (m.refusal) items.push({ role: 'assistant', content: [{ type: 'refusal', refusal: m.refusal }] });
}

export function renderInput(messages: Message[]): unknown[] {
  const items: unknown[] = [];
  for (const m of messages) {
    if (m.role === 'assistant') renderAssistant(m, items);
    else if (m.role === 'tool') {
      for (const p of m.content)
        if (p.type === 'tool_result')
          items.push({ type: 'function_call_output', call_id: p.toolCallId, output: textOf(p.content) });
    } else {
      const role = m.role === 'system' ? (m.extra?.role === 'developer' ? 'developer' : 'system') : 'user';
      const onlyText = m.content.every((p) => p.type === 'text');
      items.push({
        role,
        content:
          onlyText && (m.contentWasString || role !== 'user')
            ? textOf(m.content)
            : renderParts(m.content, false),
      });
    }
  }
  return items;
}

function renderTool(t: ToolDef): unknown {
  if (t.raw !== undefined) return t.raw.dialect === 'responses' ? t.raw.value : undefined;
  const out: JsonObject = { type: 'function', name: t.name, parameters: t.parameters };
  if (t.description !== undefined) out.description = t.description;
  if (t.strict !== undefined) out.strict = t.strict;
  return out;
}

export function renderRequest(req: CanonicalRequest, opts: RenderRequestOptions): Record<string, unknown> {
  const same = req.dialect === 'responses';
  const out: JsonObject = same ? ownCopy(req.extra) : {};
  out.model = opts.model;
  if (req.system.length) out.instructions = textOf(req.system);
  const single = req.messages.length === 1 ? req.messages[0] : undefined;
  out.input =
    single?.role === 'user' && single.contentWasString ? textOf(single.content) : renderInput(req.messages);
  if (req.tools?.length) {
    const tools = req.tools.map(renderTool).filter((t) => t !== undefined);
    if (tools.length) out.tools = tools;
  }
  if (req.toolChoice !== undefined)
    out.tool_choice =
      req.toolChoice.type === 'tool' ? { type: 'function', name: req.toolChoice.name } : req.toolChoice.type;
  if (req.parallelToolCalls !== undefined) out.parallel_tool_calls = req.parallelToolCalls;
  if (req.responseFormat !== undefined) {
    const rf = req.responseFormat;
    const format: JsonObject =
      rf.type === 'json_schema'
        ? { type: 'json_schema', name: rf.name, schema: rf.schema }
        : { type: rf.type };
    if (rf.type === 'json_schema' && rf.strict !== undefined) format.strict = rf.strict;
    if (rf.type === 'json_schema' && rf.description !== undefined) format.description = rf.description;
    out.text = Object.assign(ownCopy(out.text as JsonObject | undefined), { format });
  }
  if (req.reasoning?.effort !== undefined || req.reasoning?.raw !== undefined) {
    const raw = same && typeof req.reasoning.raw === 'object' ? (req.reasoning.raw as JsonObject) : {};
    const reasoning = ownCopy(raw);
    if (req.reasoning.effort !== undefined) reasoning.effort = req.reasoning.effort;
    out.reasoning = reasoning;
  }
  if (req.maxTokens !== undefined) out.max_output_tokens = req.maxTokens;
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.topP !== undefined) out.top_p = req.topP;
  if (req.topLogprobs !== undefined) out.top_logprobs = req.topLogprobs;
  if (req.user !== undefined) out.user = req.user;
  if (req.metadata !== undefined) out.metadata = req.metadata;
  if (req.promptCacheKey !== undefined) out.prompt_cache_key = req.promptCacheKey;
  if (req.stream) out.stream = true;
  return out;
}
