/**
 * An Anthropic Messages request body → the canonical request, validated at the edge with errors that
 * name the field at fault. Tool results stay inside the user message that carries them (role "user"), as
 * Anthropic sends them; anything Penny does not model is kept (`extra`, message `extra`, `raw` parts and
 * tools) so that rendering for an Anthropic upstream reproduces the body.
 */
import { InvalidRequestError } from '../../core/errors.js';
import type {
  CanonicalRequest,
  Message,
  ReasoningConfig,
  TextPart,
  ToolChoice,
  ToolDef,
} from '../../core/request.js';
import {
  MAX_TOKENS_LIMIT,
  quoteValue,
  readFiniteNumber,
  readMaxTokens,
  readModel,
  showValue,
} from '../request-limits.js';
import { parseContentBlock } from './parse-content.js';
import { isRecord, type Json, parseCacheControl } from './wire.js';

const CUSTOM_TOOL_KEYS = new Set(['name', 'description', 'input_schema', 'cache_control', 'strict']);

function fail(message: string, param: string): never {
  throw new InvalidRequestError(message, param);
}

function num(v: unknown, param: string): number {
  return readFiniteNumber(v, param);
}

function parseSystem(v: unknown, req: CanonicalRequest): void {
  if (typeof v === 'string') {
    req.system = [{ type: 'text', text: v }];
    req.systemWasString = true;
    return;
  }
  if (!Array.isArray(v)) fail('system must be a string or an array of text blocks', 'system');
  const out: TextPart[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const b: unknown = v[i];
    const path = `system[${i}]`;
    if (!isRecord(b) || b.type !== 'text' || typeof b.text !== 'string') {
      fail(`${path} must be a text block ({"type":"text","text":…})`, path);
    }
    const part: TextPart = { type: 'text', text: b.text };
    const cc = parseCacheControl(b.cache_control, `${path}.cache_control`);
    if (cc) part.cacheControl = cc;
    out[i] = part;
  }
  req.system = out;
}

function parseMessage(m: unknown, i: number): Message {
  const path = `messages[${i}]`;
  if (!isRecord(m)) fail(`${path} must be an object`, path);
  const role = m.role;
  if (role !== 'user' && role !== 'assistant') {
    if (role === undefined) fail(`${path}.role is required: "user" or "assistant"`, `${path}.role`);
    const hint = role === 'system' ? '; use the top-level "system" field' : '';
    fail(
      `${path}.role ${quoteValue(role)} is not supported; use "user" or "assistant"${hint}`,
      `${path}.role`,
    );
  }
  const msg: Message = { role, content: [] };
  const content = m.content;
  if (typeof content === 'string') {
    msg.content = [{ type: 'text', text: content }];
    msg.contentWasString = true;
  } else if (Array.isArray(content)) {
    const parts = new Array(content.length);
    for (let j = 0; j < content.length; j++)
      parts[j] = parseContentBlock(content[j], `${path}.content[${j}]`);
    msg.content = parts;
  } else {
    fail(`${path}.content must be a string or an array of content blocks`, `${path}.content`);
  }
  for (const k in m) {
    if (k === 'role' || k === 'content') continue;
    if (!msg.extra) msg.extra = {};
    msg.extra[k] = m[k];
  }
  return msg;
}

function parseTool(t: unknown, i: number): ToolDef {
  const path = `tools[${i}]`;
  if (!isRecord(t)) fail(`${path} must be an object`, path);
  if (typeof t.name !== 'string') fail(`${path}.name must be a string`, `${path}.name`);
  const cc = parseCacheControl(t.cache_control, `${path}.cache_control`);
  const serverType = typeof t.type === 'string' && t.type !== 'custom';
  if (!serverType && !isRecord(t.input_schema)) {
    fail(`${path}.input_schema must be a JSON Schema object`, `${path}.input_schema`);
  }
  const def: ToolDef = { name: t.name, parameters: isRecord(t.input_schema) ? t.input_schema : {} };
  if (typeof t.description === 'string') def.description = t.description;
  if (typeof t.strict === 'boolean') def.strict = t.strict;
  if (cc) def.cacheControl = cc;
  let plain = !serverType;
  if (plain) for (const k in t) if (!CUSTOM_TOOL_KEYS.has(k)) plain = false;
  // Server tools (web_search_20250305 …) and custom tools with fields Penny does not model ride verbatim.
  if (!plain) def.raw = { dialect: 'anthropic', value: t };
  return def;
}

function parseToolChoice(v: unknown, req: CanonicalRequest): void {
  if (!isRecord(v)) fail('tool_choice must be an object', 'tool_choice');
  let choice: ToolChoice;
  switch (v.type) {
    case 'auto':
      choice = { type: 'auto' };
      break;
    case 'any':
      choice = { type: 'required' };
      break;
    case 'none':
      choice = { type: 'none' };
      break;
    case 'tool':
      if (typeof v.name !== 'string') fail('tool_choice.name must be a string', 'tool_choice.name');
      choice = { type: 'tool', name: v.name };
      break;
    default:
      fail(`tool_choice.type ${quoteValue(v.type)} is not supported`, 'tool_choice.type');
  }
  req.toolChoice = choice;
  const d = v.disable_parallel_tool_use;
  if (d !== undefined && d !== null) {
    if (typeof d !== 'boolean') {
      fail(
        'tool_choice.disable_parallel_tool_use must be a boolean',
        'tool_choice.disable_parallel_tool_use',
      );
    }
    req.parallelToolCalls = !d;
  }
}

function parseThinking(v: unknown): ReasoningConfig {
  if (!isRecord(v) || typeof v.type !== 'string') fail('thinking must be an object with a type', 'thinking');
  const r: ReasoningConfig = { raw: v };
  if (v.type === 'enabled') {
    const b = v.budget_tokens;
    if (typeof b !== 'number' || !Number.isInteger(b) || b <= 0 || b > MAX_TOKENS_LIMIT) {
      fail(
        `thinking.budget_tokens must be an integer from 1 to ${MAX_TOKENS_LIMIT}, got ${showValue(b)}`,
        'thinking.budget_tokens',
      );
    }
    r.budgetTokens = b;
  }
  return r;
}

export function parseRequest(body: unknown): CanonicalRequest {
  if (!isRecord(body)) throw new InvalidRequestError('the request body must be a JSON object');
  const extra: Json = {};
  const req: CanonicalRequest = {
    dialect: 'anthropic',
    model: '',
    system: [],
    messages: [],
    stream: false,
    extra,
  };
  let sawModel = false;
  let sawMaxTokens = false;
  let sawMessages = false;
  for (const key in body) {
    const v = body[key];
    switch (key) {
      case 'model':
        req.model = readModel(v);
        sawModel = true;
        break;
      case 'max_tokens':
        req.maxTokens = readMaxTokens(v, 'max_tokens');
        sawMaxTokens = true;
        break;
      case 'messages': {
        if (!Array.isArray(v) || v.length === 0) fail('messages must be a non-empty array', 'messages');
        const msgs: Message[] = new Array(v.length);
        for (let i = 0; i < v.length; i++) msgs[i] = parseMessage(v[i], i);
        req.messages = msgs;
        sawMessages = true;
        break;
      }
      case 'system':
        if (v !== undefined && v !== null) parseSystem(v, req);
        break;
      case 'tools': {
        if (v === null) break;
        if (!Array.isArray(v)) fail('tools must be an array', 'tools');
        const tools: ToolDef[] = new Array(v.length);
        for (let i = 0; i < v.length; i++) tools[i] = parseTool(v[i], i);
        req.tools = tools;
        break;
      }
      case 'tool_choice':
        if (v !== null) parseToolChoice(v, req);
        break;
      case 'stop_sequences':
        if (v === null) break;
        if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
          fail('stop_sequences must be an array of strings', 'stop_sequences');
        }
        req.stop = v;
        break;
      case 'temperature':
        if (v !== null) req.temperature = num(v, key);
        break;
      case 'top_p':
        if (v !== null) req.topP = num(v, key);
        break;
      case 'top_k':
        if (v !== null) req.topK = num(v, key);
        break;
      case 'thinking':
        if (v !== null) req.reasoning = parseThinking(v);
        break;
      case 'metadata':
        if (v === null) break;
        if (!isRecord(v)) fail('metadata must be an object', 'metadata');
        req.metadata = v;
        if (v.user_id !== undefined && v.user_id !== null) {
          if (typeof v.user_id !== 'string') fail('metadata.user_id must be a string', 'metadata.user_id');
          req.user = v.user_id;
        }
        break;
      case 'stream':
        if (v !== null && typeof v !== 'boolean') fail('stream must be a boolean', 'stream');
        req.stream = v === true;
        break;
      case 'cache_control': {
        const cc = parseCacheControl(v, 'cache_control');
        if (cc) req.cacheControl = cc;
        break;
      }
      default:
        extra[key] = v;
    }
  }
  if (!sawModel) fail('model is required', 'model');
  if (!sawMaxTokens) fail('max_tokens is required by the Anthropic Messages API', 'max_tokens');
  if (!sawMessages) fail('messages is required', 'messages');
  return req;
}
