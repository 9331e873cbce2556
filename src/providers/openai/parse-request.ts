/**
 * A client's OpenAI Chat Completions body → CanonicalRequest, validated at the edge with errors that name
 * the field. Fidelity rules that make `renderRequest(parseRequest(x))` give back `x`:
 * - unknown top-level fields go to `extra`; a known field sent as `null` goes to `extra` as null (passed
 *   through, but only to OpenAI upstreams); an explicit `stream: false` is remembered as `extra.stream`;
 * - only the FIRST message is hoisted into `system`, and only when it is a plain system/developer message
 *   (no name, no unknown fields), so any other system message keeps its own place and shape;
 * - `stream_options` keys other than include_usage, and tool_choice shapes Penny does not model, stay in
 *   `extra` and are merged back on render.
 */
import { InvalidRequestError } from '../../core/errors.js';
import type {
  CanonicalRequest,
  Message,
  ResponseFormat,
  TextPart,
  ToolChoice,
  ToolDef,
} from '../../core/request.js';
import { readMaxTokens, readModel } from '../request-limits.js';
import { parseMessage } from './parse-message.js';
import {
  isObject,
  type JsonObject,
  oneOf,
  readArray,
  readBoolean,
  readInteger,
  readNonEmptyString,
  readNumber,
  readObject,
  readString,
} from './wire-guards.js';

function parseTool(v: unknown, path: string): ToolDef {
  const t = readObject(v, path);
  const type = readString(t.type, `${path}.type`);
  if (type !== 'function') {
    const named = isObject(t[type]) ? (t[type] as JsonObject).name : undefined;
    return {
      name: typeof named === 'string' ? named : type,
      parameters: {},
      raw: { dialect: 'openai', value: t },
    };
  }
  const fn = readObject(t.function, `${path}.function`);
  const def: ToolDef = {
    name: readNonEmptyString(fn.name, `${path}.function.name`),
    parameters: fn.parameters === undefined ? {} : readObject(fn.parameters, `${path}.function.parameters`),
  };
  if (fn.description !== undefined)
    def.description = readString(fn.description, `${path}.function.description`);
  if (fn.strict !== undefined && fn.strict !== null)
    def.strict = readBoolean(fn.strict, `${path}.function.strict`);
  return def;
}

function parseTools(v: unknown): ToolDef[] {
  const arr = readArray(v, 'tools');
  const out: ToolDef[] = new Array(arr.length);
  for (let i = 0; i < arr.length; i++) out[i] = parseTool(arr[i], `tools[${i}]`);
  return out;
}

/** Returns undefined for a tool_choice shape Penny does not model (kept in `extra`). */
function parseToolChoice(v: unknown): ToolChoice | undefined {
  if (typeof v === 'string') return { type: oneOf(v, ['auto', 'none', 'required'], 'tool_choice') };
  const o = readObject(v, 'tool_choice');
  const type = readString(o.type, 'tool_choice.type');
  if (type !== 'function') return undefined;
  const fn = readObject(o.function, 'tool_choice.function');
  return { type: 'tool', name: readNonEmptyString(fn.name, 'tool_choice.function.name') };
}

function parseResponseFormat(v: unknown): ResponseFormat {
  const o = readObject(v, 'response_format');
  const type = oneOf(o.type, ['text', 'json_object', 'json_schema'], 'response_format.type');
  if (type !== 'json_schema') return { type };
  const js = readObject(o.json_schema, 'response_format.json_schema');
  const rf: ResponseFormat = {
    type: 'json_schema',
    name: readNonEmptyString(js.name, 'response_format.json_schema.name'),
    schema: js.schema === undefined ? {} : readObject(js.schema, 'response_format.json_schema.schema'),
  };
  if (js.strict !== undefined && js.strict !== null) {
    rf.strict = readBoolean(js.strict, 'response_format.json_schema.strict');
  }
  if (js.description !== undefined) {
    rf.description = readString(js.description, 'response_format.json_schema.description');
  }
  return rf;
}

function parseStop(v: unknown, req: CanonicalRequest): void {
  if (typeof v === 'string') {
    req.stop = [v];
    req.stopWasString = true;
    return;
  }
  const arr = readArray(v, 'stop');
  for (let i = 0; i < arr.length; i++) readString(arr[i], `stop[${i}]`);
  req.stop = arr as string[];
}

function parseStreamOptions(v: unknown, req: CanonicalRequest): void {
  const o = readObject(v, 'stream_options');
  if (o.include_usage === undefined) {
    req.extra.stream_options = o;
    return;
  }
  req.streamUsage = readBoolean(o.include_usage, 'stream_options.include_usage');
  const { include_usage: _, ...rest } = o;
  if (Object.keys(rest).length > 0) req.extra.stream_options = rest;
}

/** Hoists messages[0] into `system` when it is a plain system/developer instruction. */
function hoistSystem(first: Message, req: CanonicalRequest): boolean {
  if (first.role !== 'system' || first.name !== undefined) return false;
  let role: 'system' | 'developer' = 'system';
  if (first.extra !== undefined) {
    const keys = Object.keys(first.extra);
    if (keys.length !== 1 || first.extra.role !== 'developer') return false;
    role = 'developer';
  }
  for (const p of first.content) if (p.type !== 'text') return false;
  req.system = first.content as TextPart[];
  req.systemRole = role;
  if (first.contentWasString) req.systemWasString = true;
  return true;
}

export function parseRequest(body: unknown): CanonicalRequest {
  if (!isObject(body)) throw new InvalidRequestError('request body must be a JSON object');
  const extra: JsonObject = {};
  const req: CanonicalRequest = {
    dialect: 'openai',
    model: '',
    system: [],
    messages: [],
    stream: false,
    extra,
  };
  let rawMessages: unknown;

  for (const key of Object.keys(body)) {
    const v = body[key];
    if (v === null && key !== 'model' && key !== 'messages') {
      extra[key] = null;
      continue;
    }
    switch (key) {
      case 'model':
        req.model = readModel(v);
        break;
      case 'messages':
        rawMessages = v;
        break;
      case 'tools':
        req.tools = parseTools(v);
        break;
      case 'tool_choice': {
        const tc = parseToolChoice(v);
        if (tc === undefined) extra.tool_choice = v;
        else req.toolChoice = tc;
        break;
      }
      case 'parallel_tool_calls':
        req.parallelToolCalls = readBoolean(v, key);
        break;
      case 'response_format':
        req.responseFormat = parseResponseFormat(v);
        break;
      case 'max_tokens':
      case 'max_completion_tokens':
        if (req.maxTokensField !== undefined) {
          throw new InvalidRequestError('send either max_tokens or max_completion_tokens, not both', key);
        }
        req.maxTokens = readMaxTokens(v, key);
        req.maxTokensField = key;
        break;
      case 'temperature':
        req.temperature = readNumber(v, key);
        break;
      case 'top_p':
        req.topP = readNumber(v, key);
        break;
      case 'stop':
        parseStop(v, req);
        break;
      case 'n':
        req.n = readInteger(v, key, 1, 128);
        break;
      case 'seed':
        req.seed = readInteger(v, key);
        break;
      case 'logprobs':
        req.logprobs = readBoolean(v, key);
        break;
      case 'top_logprobs':
        req.topLogprobs = readInteger(v, key, 0, 20);
        break;
      case 'presence_penalty':
        req.presencePenalty = readNumber(v, key);
        break;
      case 'frequency_penalty':
        req.frequencyPenalty = readNumber(v, key);
        break;
      case 'reasoning_effort':
        req.reasoning = { effort: readString(v, key) };
        break;
      case 'stream':
        req.stream = readBoolean(v, key);
        if (!req.stream) extra.stream = false;
        break;
      case 'stream_options':
        parseStreamOptions(v, req);
        break;
      case 'user':
        req.user = readString(v, key);
        break;
      case 'metadata':
        req.metadata = readObject(v, key);
        break;
      case 'prompt_cache_key':
        req.promptCacheKey = readString(v, key);
        break;
      default:
        if (key !== '__proto__') extra[key] = v;
    }
  }

  if (req.model === '') readModel(body.model);
  if (!Array.isArray(rawMessages) || rawMessages.length === 0) {
    throw new InvalidRequestError('messages must be a non-empty array of messages', 'messages');
  }
  const messages: Message[] = [];
  for (let i = 0; i < rawMessages.length; i++) {
    const m = parseMessage(rawMessages[i], i);
    if (i === 0 && hoistSystem(m, req)) continue;
    messages.push(m);
  }
  req.messages = messages;
  return req;
}
