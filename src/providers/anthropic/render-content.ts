/**
 * Canonical parts → Anthropic content blocks, for requests and responses alike. Parts that Anthropic
 * cannot carry are dropped (returned as undefined): `raw` parts of another dialect and reasoning without
 * a (non-empty) signature (Anthropic rejects unsigned thinking blocks in history). A `data:` image URL becomes a
 * base64 source. Tool-call arguments are JSON text in canonical form and an object (`input`) here.
 */
import { InvalidRequestError } from '../../core/errors.js';
import { MAX_JSON_DEPTH, tooDeepAt } from '../../core/json-depth.js';
import type { ContentPart, ImagePart, TextPart } from '../../core/request.js';
import { isRecord, type Json, renderCacheControl } from './wire.js';

const DATA_URL = /^data:([^;,]+);base64,/;

function imageBlock(p: ImagePart): Json {
  const s = p.source;
  let source: Json;
  if (s.kind === 'base64') source = { type: 'base64', media_type: s.mediaType, data: s.data };
  else {
    const m = DATA_URL.exec(s.url);
    source = m
      ? { type: 'base64', media_type: m[1], data: s.url.slice(m[0].length) }
      : { type: 'url', url: s.url };
  }
  const out: Json = { type: 'image', source };
  if (p.cacheControl) out.cache_control = renderCacheControl(p.cacheControl);
  return out;
}

function textBlock(p: TextPart): Json {
  const out: Json = { type: 'text', text: p.text };
  if (p.cacheControl) out.cache_control = renderCacheControl(p.cacheControl);
  return out;
}

/**
 * Tool-call arguments as an `input` object. Empty text means no arguments. Otherwise invalid JSON throws
 * InvalidRequestError naming `path`, or, with `lenient` (rendering a model's own output), yields {}.
 */
export function toolInput(args: string, path: string, lenient = false): Json {
  if (args.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(args);
  } catch (e) {
    if (lenient) return {};
    throw new InvalidRequestError(`${path} is not valid JSON`, path, e);
  }
  if (tooDeepAt(v) !== null) {
    if (lenient) return {};
    throw new InvalidRequestError(
      `${path} nests JSON deeper than ${MAX_JSON_DEPTH} levels; flatten it`,
      path,
    );
  }
  if (isRecord(v)) return v;
  if (lenient) return {};
  throw new InvalidRequestError(`${path} must be a JSON object`, path);
}

/** One part as an Anthropic block, or undefined when Anthropic cannot carry it. */
export function renderPart(p: ContentPart, path: string, lenient = false): Json | undefined {
  switch (p.type) {
    case 'text':
      return textBlock(p);
    case 'image':
      return imageBlock(p);
    case 'tool_call': {
      const out: Json = {
        type: 'tool_use',
        id: p.id,
        name: p.name,
        input: toolInput(p.arguments, `${path}.arguments`, lenient),
      };
      if (p.cacheControl) out.cache_control = renderCacheControl(p.cacheControl);
      return out;
    }
    case 'tool_result': {
      const out: Json = { type: 'tool_result', tool_use_id: p.toolCallId };
      if (typeof p.content === 'string') out.content = p.content;
      else if (p.content.length > 0) {
        out.content = p.content.map((c) => (c.type === 'text' ? textBlock(c) : imageBlock(c)));
      }
      if (p.isError !== undefined) out.is_error = p.isError;
      if (p.cacheControl) out.cache_control = renderCacheControl(p.cacheControl);
      return out;
    }
    case 'reasoning':
      if (p.redactedData !== undefined) return { type: 'redacted_thinking', data: p.redactedData };
      if (!p.signature) return undefined;
      return { type: 'thinking', thinking: p.text, signature: p.signature };
    case 'raw':
      return p.dialect === 'anthropic' && isRecord(p.value) ? p.value : undefined;
  }
}
