/**
 * Anthropic request content blocks → canonical parts. A block becomes a modelled part only when Penny
 * understands every key of it; otherwise it is kept verbatim as a `raw` part, so an Anthropic upstream
 * receives exactly what the client sent. Two defaults are normalised away rather than forcing `raw`:
 * `citations: null` on text and `caller: {"type":"direct"}` on tool_use (both mean "nothing special").
 */
import { InvalidRequestError } from '../../core/errors.js';
import type { ContentPart, ImagePart, ImageSource, TextPart } from '../../core/request.js';
import { isRecord, type Json, onlyKeys, parseCacheControl } from './wire.js';

const TEXT_KEYS = new Set(['type', 'text', 'cache_control', 'citations']);
const IMAGE_KEYS = new Set(['type', 'source', 'cache_control']);
const TOOL_USE_KEYS = new Set(['type', 'id', 'name', 'input', 'cache_control', 'caller']);
const TOOL_RESULT_KEYS = new Set(['type', 'tool_use_id', 'content', 'is_error', 'cache_control']);
const THINKING_KEYS = new Set(['type', 'thinking', 'signature']);
const REDACTED_KEYS = new Set(['type', 'data']);
const BASE64_KEYS = new Set(['type', 'media_type', 'data']);
const URL_KEYS = new Set(['type', 'url']);

function raw(value: unknown): ContentPart {
  return { type: 'raw', dialect: 'anthropic', value };
}

function str(b: Json, key: string, path: string): string {
  const v = b[key];
  if (typeof v !== 'string')
    throw new InvalidRequestError(`${path}.${key} must be a string`, `${path}.${key}`);
  return v;
}

function imageSource(s: unknown): ImageSource | undefined {
  if (!isRecord(s)) return undefined;
  if (s.type === 'base64' && onlyKeys(s, BASE64_KEYS)) {
    if (typeof s.media_type !== 'string' || typeof s.data !== 'string') return undefined;
    return { kind: 'base64', mediaType: s.media_type, data: s.data };
  }
  if (s.type === 'url' && onlyKeys(s, URL_KEYS) && typeof s.url === 'string')
    return { kind: 'url', url: s.url };
  return undefined;
}

/** Parses one block of `messages[i].content` (or of a tool_result's content); `path` names it in errors. */
export function parseContentBlock(b: unknown, path: string): ContentPart {
  if (!isRecord(b)) throw new InvalidRequestError(`${path} must be an object`, path);
  const type = b.type;
  if (typeof type !== 'string')
    throw new InvalidRequestError(`${path}.type must be a string`, `${path}.type`);
  switch (type) {
    case 'text': {
      const text = str(b, 'text', path);
      if (!onlyKeys(b, TEXT_KEYS) || (b.citations !== undefined && b.citations !== null)) return raw(b);
      const part: TextPart = { type: 'text', text };
      const cc = parseCacheControl(b.cache_control, `${path}.cache_control`);
      if (cc) part.cacheControl = cc;
      return part;
    }
    case 'image': {
      if (!isRecord(b.source))
        throw new InvalidRequestError(`${path}.source must be an object`, `${path}.source`);
      const source = onlyKeys(b, IMAGE_KEYS) ? imageSource(b.source) : undefined;
      if (!source) return raw(b); // file_id sources and future kinds
      const part: ImagePart = { type: 'image', source };
      const cc = parseCacheControl(b.cache_control, `${path}.cache_control`);
      if (cc) part.cacheControl = cc;
      return part;
    }
    case 'tool_use': {
      const id = str(b, 'id', path);
      const name = str(b, 'name', path);
      if (!isRecord(b.input))
        throw new InvalidRequestError(`${path}.input must be an object`, `${path}.input`);
      const caller = b.caller;
      const directCaller = caller === undefined || (isRecord(caller) && caller.type === 'direct');
      if (!onlyKeys(b, TOOL_USE_KEYS) || !directCaller) return raw(b);
      const cc = parseCacheControl(b.cache_control, `${path}.cache_control`);
      return {
        type: 'tool_call',
        id,
        name,
        arguments: JSON.stringify(b.input),
        ...(cc ? { cacheControl: cc } : {}),
      };
    }
    case 'tool_result': {
      const toolCallId = str(b, 'tool_use_id', path);
      if (!onlyKeys(b, TOOL_RESULT_KEYS)) return raw(b);
      let content: string | Array<TextPart | ImagePart>;
      const c = b.content;
      if (c === undefined || c === null) content = [];
      else if (typeof c === 'string') content = c;
      else if (Array.isArray(c)) {
        content = [];
        for (let j = 0; j < c.length; j++) {
          const inner = parseContentBlock(c[j], `${path}.content[${j}]`);
          // Documents, search results … inside a result: keep the whole result verbatim.
          if (inner.type !== 'text' && inner.type !== 'image') return raw(b);
          content.push(inner);
        }
      } else {
        throw new InvalidRequestError(
          `${path}.content must be a string or an array of blocks`,
          `${path}.content`,
        );
      }
      if (b.is_error !== undefined && typeof b.is_error !== 'boolean') {
        throw new InvalidRequestError(`${path}.is_error must be a boolean`, `${path}.is_error`);
      }
      const cc = parseCacheControl(b.cache_control, `${path}.cache_control`);
      return {
        type: 'tool_result',
        toolCallId,
        content,
        ...(b.is_error === undefined ? {} : { isError: b.is_error }),
        ...(cc ? { cacheControl: cc } : {}),
      };
    }
    case 'thinking': {
      const text = str(b, 'thinking', path);
      if (!onlyKeys(b, THINKING_KEYS)) return raw(b);
      return typeof b.signature === 'string'
        ? { type: 'reasoning', text, signature: b.signature }
        : { type: 'reasoning', text };
    }
    case 'redacted_thinking': {
      const data = str(b, 'data', path);
      if (!onlyKeys(b, REDACTED_KEYS)) return raw(b);
      return { type: 'reasoning', text: '', redactedData: data };
    }
    default:
      // document, search_result, server_tool_use, *_tool_result, container_upload, future block types.
      return raw(b);
  }
}
