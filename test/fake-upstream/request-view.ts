/**
 * A dialect-neutral view of a parsed OpenAI or Anthropic request body: what the fake needs to build
 * a deterministic answer. Bodies are untrusted JSON, so every field is read defensively.
 */

export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface ToolInfo {
  name: string;
  /** JSON Schema of the arguments / input. */
  schema: Json;
}

export interface RequestView {
  model: string;
  stream: boolean;
  /** Text of the last user message that has text (directives included). */
  lastUserText: string;
  /** True when the conversation ends with a tool result (an agent loop's follow-up turn). */
  endsWithToolResult: boolean;
  tools: ToolInfo[];
  /** The tool the request forces, '' for "any tool", undefined when not forced. */
  forcedTool: string | undefined;
  toolsDisabled: boolean;
  maxTokens: number | undefined;
  stop: string[];
  /** Deterministic input size: characters of every text field / 4, rounded up, at least 1. */
  inputTokens: number;
}

/** Keys whose string values are structure, not prompt text. */
const SKIP_KEYS = new Set([
  'role',
  'type',
  'id',
  'tool_call_id',
  'tool_use_id',
  'cache_control',
  'media_type',
]);

function textChars(v: unknown): number {
  if (typeof v === 'string') return v.length;
  let n = 0;
  if (Array.isArray(v)) for (const x of v) n += textChars(x);
  else if (isRecord(v)) for (const k in v) if (!SKIP_KEYS.has(k)) n += textChars(v[k]);
  return n;
}

export function inputTokensOf(body: Json): number {
  const chars = textChars(body.system) + textChars(body.messages) + textChars(body.tools);
  return Math.max(1, Math.ceil(chars / 4));
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let s = '';
  for (const part of content) {
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string')
      s += (s ? '\n' : '') + part.text;
  }
  return s;
}

function lastUserText(messages: unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!isRecord(m) || m.role !== 'user') continue;
    const text = contentText(m.content);
    if (text !== '') return text;
  }
  return '';
}

function stopList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function openAiView(body: Json): RequestView {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages[messages.length - 1];
  const tools: ToolInfo[] = [];
  if (Array.isArray(body.tools)) {
    for (const t of body.tools) {
      if (!isRecord(t) || !isRecord(t.function) || typeof t.function.name !== 'string') continue;
      tools.push({
        name: t.function.name,
        schema: isRecord(t.function.parameters) ? t.function.parameters : {},
      });
    }
  }
  const tc = body.tool_choice;
  let forcedTool: string | undefined;
  if (tc === 'required') forcedTool = '';
  else if (isRecord(tc) && isRecord(tc.function) && typeof tc.function.name === 'string')
    forcedTool = tc.function.name;
  return {
    model: typeof body.model === 'string' ? body.model : '',
    stream: body.stream === true,
    lastUserText: lastUserText(messages),
    endsWithToolResult: isRecord(last) && last.role === 'tool',
    tools,
    forcedTool,
    toolsDisabled: tc === 'none',
    maxTokens: num(body.max_completion_tokens) ?? num(body.max_tokens),
    stop: stopList(body.stop),
    inputTokens: inputTokensOf(body),
  };
}

export function anthropicView(body: Json): RequestView {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages[messages.length - 1];
  const endsWithToolResult =
    isRecord(last) &&
    last.role === 'user' &&
    Array.isArray(last.content) &&
    last.content.some((p) => isRecord(p) && p.type === 'tool_result');
  const tools: ToolInfo[] = [];
  if (Array.isArray(body.tools)) {
    for (const t of body.tools) {
      if (!isRecord(t) || typeof t.name !== 'string' || !isRecord(t.input_schema)) continue;
      tools.push({ name: t.name, schema: t.input_schema });
    }
  }
  const tc = isRecord(body.tool_choice) ? body.tool_choice : undefined;
  let forcedTool: string | undefined;
  if (tc?.type === 'any') forcedTool = '';
  else if (tc?.type === 'tool' && typeof tc.name === 'string') forcedTool = tc.name;
  return {
    model: typeof body.model === 'string' ? body.model : '',
    stream: body.stream === true,
    lastUserText: lastUserText(messages),
    endsWithToolResult,
    tools,
    forcedTool,
    toolsDisabled: tc?.type === 'none',
    maxTokens: num(body.max_tokens),
    stop: stopList(body.stop_sequences),
    inputTokens: inputTokensOf(body),
  };
}
