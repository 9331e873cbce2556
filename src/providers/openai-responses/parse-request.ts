/**
 * A client's OpenAI Responses API body (`POST /v1/responses`) → CanonicalRequest, validated at the edge
 * with errors that name the field. `instructions` become the system prompt, `input` items become messages
 * (parse-input.ts), `text.format` the response format, `max_output_tokens` the output cap. Fields Penny
 * does not model stay in `extra` and go back to an OpenAI Responses upstream untouched.
 * `previous_response_id` and `store` are conversation state: the gateway expands the stored history into
 * `input` before parsing, so here they are only recorded (and never sent upstream).
 */
import { InvalidRequestError } from '../../core/errors.js';
import type { CanonicalRequest, ResponseFormat, ToolChoice, ToolDef } from '../../core/request.js';
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
} from '../openai/wire-guards.js';
import { readMaxTokens, readModel } from '../request-limits.js';
import { parseInput } from './parse-input.js';

function parseTool(v: unknown, path: string): ToolDef {
  const t = readObject(v, path);
  const type = readString(t.type, `${path}.type`);
  if (type !== 'function')
    return {
      name: typeof t.name === 'string' ? t.name : type,
      parameters: {},
      raw: { dialect: 'responses', value: t },
    };
  const def: ToolDef = {
    name: readNonEmptyString(t.name, `${path}.name`),
    parameters:
      t.parameters === undefined || t.parameters === null
        ? {}
        : readObject(t.parameters, `${path}.parameters`),
  };
  if (typeof t.description === 'string') def.description = t.description;
  if (t.strict !== undefined && t.strict !== null) def.strict = readBoolean(t.strict, `${path}.strict`);
  return def;
}

/** Undefined for a tool_choice Penny does not model (built-in tools, allowed_tools): kept in `extra`. */
function parseToolChoice(v: unknown): ToolChoice | undefined {
  if (typeof v === 'string') return { type: oneOf(v, ['auto', 'none', 'required'], 'tool_choice') };
  const o = readObject(v, 'tool_choice');
  if (o.type !== 'function') return undefined;
  return { type: 'tool', name: readNonEmptyString(o.name, 'tool_choice.name') };
}

function parseText(v: unknown, req: CanonicalRequest): void {
  const o = readObject(v, 'text');
  const { format, ...rest } = o;
  if (Object.keys(rest).length > 0) req.extra.text = rest;
  if (format === undefined || format === null) return;
  const f = readObject(format, 'text.format');
  const type = oneOf(f.type, ['text', 'json_object', 'json_schema'], 'text.format.type');
  if (type !== 'json_schema') {
    req.responseFormat = { type };
    return;
  }
  const rf: ResponseFormat = {
    type: 'json_schema',
    name: readNonEmptyString(f.name, 'text.format.name'),
    schema: readObject(f.schema, 'text.format.schema'),
  };
  if (f.strict !== undefined && f.strict !== null) rf.strict = readBoolean(f.strict, 'text.format.strict');
  if (typeof f.description === 'string') rf.description = f.description;
  req.responseFormat = rf;
}

function parseReasoning(v: unknown, req: CanonicalRequest): void {
  const o = readObject(v, 'reasoning');
  const { effort, ...rest } = o;
  req.reasoning = {};
  if (effort !== undefined && effort !== null) req.reasoning.effort = readString(effort, 'reasoning.effort');
  if (Object.keys(rest).length > 0) req.reasoning.raw = rest;
}

export function parseRequest(body: unknown): CanonicalRequest {
  if (!isObject(body)) throw new InvalidRequestError('request body must be a JSON object');
  const extra: JsonObject = {};
  const req: CanonicalRequest = {
    dialect: 'responses',
    model: '',
    system: [],
    messages: [],
    stream: false,
    conversation: { store: true },
    extra,
  };
  const conversation = req.conversation!;
  let input: unknown;
  for (const key of Object.keys(body)) {
    const v = body[key];
    if (v === null && key !== 'model' && key !== 'input') continue;
    switch (key) {
      case 'model':
        req.model = readModel(v);
        break;
      case 'input':
        input = v;
        break;
      case 'instructions':
        if (readString(v, key) !== '') req.system = [{ type: 'text', text: v as string }];
        break;
      case 'tools': {
        const arr = readArray(v, key);
        req.tools = arr.map((t, i) => parseTool(t, `tools[${i}]`));
        break;
      }
      case 'tool_choice': {
        const tc = parseToolChoice(v);
        if (tc === undefined) extra.tool_choice = v;
        else req.toolChoice = tc;
        break;
      }
      case 'parallel_tool_calls':
        req.parallelToolCalls = readBoolean(v, key);
        break;
      case 'text':
        parseText(v, req);
        break;
      case 'reasoning':
        parseReasoning(v, req);
        break;
      case 'max_output_tokens':
        req.maxTokens = readMaxTokens(v, key);
        break;
      case 'temperature':
        req.temperature = readNumber(v, key);
        break;
      case 'top_p':
        req.topP = readNumber(v, key);
        break;
      case 'top_logprobs':
        req.topLogprobs = readInteger(v, key, 0);
        req.logprobs = true;
        break;
      case 'stream':
        req.stream = readBoolean(v, key);
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
      case 'store':
        conversation.store = readBoolean(v, key);
        extra.store = v;
        break;
      case 'previous_response_id':
        conversation.previousResponseId = readNonEmptyString(v, key);
        break;
      default:
        if (key !== '__proto__') extra[key] = v;
    }
  }
  if (req.model === '') readModel(body.model);
  if (input === undefined || input === null || (Array.isArray(input) && input.length === 0))
    throw new InvalidRequestError('input must be a string or a non-empty array of input items', 'input');
  req.messages = parseInput(input);
  return req;
}
