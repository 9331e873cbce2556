/**
 * One OpenAI chat message → one canonical Message. Unknown per-message fields land in `message.extra`
 * (rendered back only for OpenAI upstreams). A "developer" message that is not the leading instruction is
 * kept as role "system" with `extra.role = "developer"`, so it renders back exactly as it came in.
 * Content parts Penny does not model (input_audio, file, refusal …) are kept verbatim as `raw` parts.
 */
import type {
  CacheControl,
  ContentPart,
  ImagePart,
  Message,
  TextPart,
  ToolCallPart,
  ToolResultPart,
} from '../../core/request.js';
import { imageSourceFromUrl } from './image-url.js';
import { fail, type JsonObject, oneOf, readArray, readObject, readString } from './wire-guards.js';

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'] as const;
type WireRole = (typeof ROLES)[number];

function parseCacheControl(v: unknown, path: string): CacheControl {
  const o = readObject(v, path);
  oneOf(o.type, ['ephemeral'], `${path}.type`);
  if (o.ttl === undefined) return { type: 'ephemeral' };
  return { type: 'ephemeral', ttl: oneOf(o.ttl, ['5m', '1h'] as const, `${path}.ttl`) };
}

function parseTextPart(p: JsonObject, path: string): TextPart {
  const part: TextPart = { type: 'text', text: readString(p.text, `${path}.text`) };
  if (p.cache_control !== undefined)
    part.cacheControl = parseCacheControl(p.cache_control, `${path}.cache_control`);
  return part;
}

function parseImagePart(p: JsonObject, path: string): ImagePart {
  const img = p.image_url;
  let url: string;
  let detail: unknown;
  if (typeof img === 'string') url = img;
  else {
    const o = readObject(img, `${path}.image_url`);
    url = readString(o.url, `${path}.image_url.url`);
    detail = o.detail;
  }
  const part: ImagePart = { type: 'image', source: imageSourceFromUrl(url) };
  if (detail !== undefined) part.detail = readString(detail, `${path}.image_url.detail`);
  if (p.cache_control !== undefined)
    part.cacheControl = parseCacheControl(p.cache_control, `${path}.cache_control`);
  return part;
}

function parsePart(v: unknown, path: string): ContentPart {
  const p = readObject(v, path);
  const type = readString(p.type, `${path}.type`);
  if (type === 'text') return parseTextPart(p, path);
  if (type === 'image_url') return parseImagePart(p, path);
  return { type: 'raw', dialect: 'openai', value: p };
}

function parseParts(v: unknown, path: string): ContentPart[] {
  const arr = readArray(v, path);
  const out: ContentPart[] = new Array(arr.length);
  for (let j = 0; j < arr.length; j++) out[j] = parsePart(arr[j], `${path}[${j}]`);
  return out;
}

function parseToolCall(v: unknown, path: string): ToolCallPart {
  const c = readObject(v, path);
  if (c.type !== undefined) oneOf(c.type, ['function'], `${path}.type`);
  const fn = readObject(c.function, `${path}.function`);
  return {
    type: 'tool_call',
    id: readString(c.id, `${path}.id`),
    name: readString(fn.name, `${path}.function.name`),
    arguments: readString(fn.arguments, `${path}.function.arguments`),
  };
}

function parseToolResultContent(v: unknown, path: string): string | Array<TextPart | ImagePart> {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) fail(path, 'a string or an array of text parts', v);
  const arr = v;
  const out: Array<TextPart | ImagePart> = new Array(arr.length);
  for (let j = 0; j < arr.length; j++) {
    const pp = `${path}[${j}]`;
    const p = readObject(arr[j], pp);
    const type = oneOf(p.type, ['text', 'image_url'], `${pp}.type`);
    out[j] = type === 'text' ? parseTextPart(p, pp) : parseImagePart(p, pp);
  }
  return out;
}

/** Parses `messages[i]`. */
export function parseMessage(v: unknown, i: number): Message {
  const path = `messages[${i}]`;
  const m = readObject(v, path);
  const wireRole: WireRole = oneOf(m.role, ROLES, `${path}.role`);
  const msg: Message = {
    role: wireRole === 'developer' ? 'system' : wireRole,
    content: [],
  };
  const extra: JsonObject = {};
  let hasExtra = wireRole === 'developer';
  if (hasExtra) extra.role = 'developer';
  let toolCallId: string | undefined;
  let toolCalls: ToolCallPart[] | undefined;
  let sawContent = false;

  for (const key of Object.keys(m)) {
    const value = m[key];
    switch (key) {
      case 'role':
        break;
      case 'content': {
        const cp = `${path}.content`;
        if (wireRole === 'tool') break; // read below, once tool_call_id is known
        if (typeof value === 'string') {
          msg.content = [{ type: 'text', text: value }];
          msg.contentWasString = true;
        } else if (value === null && wireRole === 'assistant') {
          // no content: rendered back as null
        } else if (Array.isArray(value)) {
          msg.content = parseParts(value, cp);
          if (wireRole === 'assistant') msg.contentWasString = false;
        } else {
          fail(cp, 'a string or an array of content parts', value);
        }
        sawContent = true;
        break;
      }
      case 'name':
        msg.name = readString(value, `${path}.name`);
        break;
      case 'refusal':
        if (wireRole !== 'assistant') {
          extra[key] = value;
          hasExtra = true;
        } else msg.refusal = value === null ? null : readString(value, `${path}.refusal`);
        break;
      case 'tool_calls': {
        if (wireRole !== 'assistant') {
          extra[key] = value;
          hasExtra = true;
          break;
        }
        const arr = readArray(value, `${path}.tool_calls`);
        toolCalls = new Array(arr.length);
        for (let j = 0; j < arr.length; j++) toolCalls[j] = parseToolCall(arr[j], `${path}.tool_calls[${j}]`);
        break;
      }
      case 'tool_call_id':
        if (wireRole !== 'tool') {
          extra[key] = value;
          hasExtra = true;
        } else toolCallId = readString(value, `${path}.tool_call_id`);
        break;
      default:
        if (key === '__proto__') break;
        extra[key] = value;
        hasExtra = true;
    }
  }

  if (wireRole === 'tool') {
    if (toolCallId === undefined) fail(`${path}.tool_call_id`, 'a string', undefined);
    const content = parseToolResultContent(m.content, `${path}.content`);
    const part: ToolResultPart = { type: 'tool_result', toolCallId, content };
    msg.content = [part];
    if (typeof content === 'string') msg.contentWasString = true;
  } else if (!sawContent && wireRole !== 'assistant') {
    fail(`${path}.content`, 'a string or an array of content parts', undefined);
  }
  if (toolCalls !== undefined && toolCalls.length > 0) {
    msg.content = msg.content.length === 0 ? toolCalls : msg.content.concat(toolCalls);
  } else if (toolCalls !== undefined) {
    extra.tool_calls = [];
    hasExtra = true;
  }
  if (hasExtra) msg.extra = extra;
  return msg;
}
