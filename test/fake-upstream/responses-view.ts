/** A dialect-neutral view (request-view.ts) of an OpenAI Responses API body, read defensively. */
import { isRecord, type Json, type RequestView, type ToolInfo } from './request-view.js';

const SKIP_KEYS = new Set(['role', 'type', 'id', 'call_id', 'status', 'detail']);

function textChars(v: unknown): number {
  if (typeof v === 'string') return v.length;
  let n = 0;
  if (Array.isArray(v)) for (const x of v) n += textChars(x);
  else if (isRecord(v)) for (const k in v) if (!SKIP_KEYS.has(k)) n += textChars(v[k]);
  return n;
}

function itemText(item: Json): string {
  if (typeof item.content === 'string') return item.content;
  if (!Array.isArray(item.content)) return '';
  let s = '';
  for (const p of item.content)
    if (isRecord(p) && p.type === 'input_text' && typeof p.text === 'string') s += (s ? '\n' : '') + p.text;
  return s;
}

export function responsesView(body: Json): RequestView {
  const input = body.input;
  const items: unknown[] =
    typeof input === 'string' ? [{ role: 'user', content: input }] : Array.isArray(input) ? input : [];
  let lastUserText = '';
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i];
    if (isRecord(it) && it.role === 'user') {
      lastUserText = itemText(it);
      if (lastUserText !== '') break;
    }
  }
  const last = items[items.length - 1];
  const tools: ToolInfo[] = [];
  if (Array.isArray(body.tools))
    for (const t of body.tools)
      if (isRecord(t) && t.type === 'function' && typeof t.name === 'string')
        tools.push({ name: t.name, schema: isRecord(t.parameters) ? t.parameters : {} });
  const tc = body.tool_choice;
  let forcedTool: string | undefined;
  if (tc === 'required') forcedTool = '';
  else if (isRecord(tc) && tc.type === 'function' && typeof tc.name === 'string') forcedTool = tc.name;
  const chars = textChars(body.instructions) + textChars(items) + textChars(body.tools);
  return {
    model: typeof body.model === 'string' ? body.model : '',
    stream: body.stream === true,
    lastUserText,
    endsWithToolResult: isRecord(last) && last.type === 'function_call_output',
    tools,
    forcedTool,
    toolsDisabled: tc === 'none',
    maxTokens: typeof body.max_output_tokens === 'number' ? body.max_output_tokens : undefined,
    stop: [],
    inputTokens: Math.max(1, Math.ceil(chars / 4)),
  };
}
