/**
 * Canonical messages → OpenAI chat messages. For a request that came in as OpenAI (`sameDialect`) every
 * remembered detail is restored (string vs array content, cache_control, per-message `extra`, developer
 * role). For a request from another dialect the output is the most widely accepted OpenAI shape: text-only
 * content as a string, tool results split out into `tool` messages placed before the rest of the user's
 * content, reasoning and other dialects' raw blocks dropped.
 */
import type { ContentPart, ImagePart, Message, TextPart, ToolCallPart } from '../../core/request.js';
import { imageSourceToUrl } from './image-url.js';
import type { JsonObject } from './wire-guards.js';
import { ownCopy } from '../../core/own-copy.js';

const JOIN = '\n\n';

function renderText(p: TextPart, sameDialect: boolean): JsonObject {
  const out: JsonObject = { type: 'text', text: p.text };
  if (sameDialect && p.cacheControl !== undefined) out.cache_control = p.cacheControl;
  return out;
}

function renderImage(p: ImagePart, sameDialect: boolean): JsonObject {
  const image: JsonObject = { url: imageSourceToUrl(p.source) };
  if (p.detail !== undefined) image.detail = p.detail;
  const out: JsonObject = { type: 'image_url', image_url: image };
  if (sameDialect && p.cacheControl !== undefined) out.cache_control = p.cacheControl;
  return out;
}

/** Text, image and OpenAI raw parts as OpenAI content parts; everything else is dropped. */
export function renderParts(parts: readonly ContentPart[], sameDialect: boolean): unknown[] {
  const out: unknown[] = [];
  for (const p of parts) {
    if (p.type === 'text') out.push(renderText(p, sameDialect));
    else if (p.type === 'image') out.push(renderImage(p, sameDialect));
    else if (p.type === 'raw' && p.dialect === 'openai') out.push(p.value);
  }
  return out;
}

/** Parts an OpenAI message can carry: reasoning and other dialects' raw blocks cannot be sent. */
function isRenderable(p: ContentPart): boolean {
  return p.type === 'text' || p.type === 'image' || (p.type === 'raw' && p.dialect === 'openai');
}

function allText(parts: readonly ContentPart[]): parts is TextPart[] {
  for (const p of parts) if (p.type !== 'text') return false;
  return true;
}

export function joinText(parts: readonly TextPart[]): string {
  if (parts.length === 1) return (parts[0] as TextPart).text;
  let s = '';
  for (let i = 0; i < parts.length; i++)
    s += i === 0 ? (parts[i] as TextPart).text : JOIN + (parts[i] as TextPart).text;
  return s;
}

/** `content` for parts that are text/image/raw only; undefined when there is nothing to send. */
function renderContent(
  parts: readonly ContentPart[],
  asString: boolean | undefined,
  sameDialect: boolean,
): string | unknown[] | undefined {
  if (!sameDialect) parts = parts.filter(isRenderable);
  if (parts.length > 0 && allText(parts) && (asString || !sameDialect)) return joinText(parts);
  const arr = renderParts(parts, sameDialect);
  if (arr.length === 0 && !sameDialect) return undefined;
  return arr;
}

function renderToolCall(p: ToolCallPart): JsonObject {
  return { id: p.id, type: 'function', function: { name: p.name, arguments: p.arguments } };
}

function base(msg: Message, sameDialect: boolean): JsonObject {
  const out: JsonObject = sameDialect ? ownCopy(msg.extra) : {};
  out.role = msg.role === 'system' && sameDialect && msg.extra?.role === 'developer' ? 'developer' : msg.role;
  if (msg.name !== undefined) out.name = msg.name;
  return out;
}

function renderAssistant(msg: Message, sameDialect: boolean, out: unknown[]): void {
  let toolCalls: JsonObject[] | undefined;
  let rest: ContentPart[] = msg.content;
  for (const p of msg.content) {
    if (p.type !== 'tool_call') continue;
    if (toolCalls === undefined) {
      toolCalls = [];
      rest = [];
      for (const q of msg.content) if (q.type !== 'tool_call') rest.push(q);
    }
    toolCalls.push(renderToolCall(p));
  }
  let content = renderContent(rest, msg.contentWasString, sameDialect);
  if (sameDialect && content !== undefined && content.length === 0 && msg.contentWasString !== false) {
    content = undefined;
  }
  if (!sameDialect && content === undefined && toolCalls === undefined && msg.refusal == null) return;
  const m = base(msg, sameDialect);
  m.content = content ?? null;
  if (msg.refusal !== undefined) m.refusal = msg.refusal;
  if (toolCalls !== undefined) m.tool_calls = toolCalls;
  out.push(m);
}

/**
 * Tool results as `tool` messages; images inside results (which OpenAI tool messages cannot carry) are
 * returned so they can open the following user message.
 */
function renderToolResults(msg: Message, sameDialect: boolean, out: unknown[]): ContentPart[] {
  const images: ContentPart[] = [];
  const leftover: ContentPart[] = [];
  for (const p of msg.content) {
    if (p.type !== 'tool_result') {
      leftover.push(p);
      continue;
    }
    const m: JsonObject = msg.role === 'tool' ? base(msg, sameDialect) : { role: 'tool' };
    m.role = 'tool';
    m.tool_call_id = p.toolCallId;
    if (typeof p.content === 'string') m.content = p.content;
    else if (sameDialect) m.content = renderParts(p.content, true);
    else {
      const texts: TextPart[] = [];
      for (const c of p.content) {
        if (c.type === 'text') texts.push(c);
        else images.push(c);
      }
      m.content = joinText(texts);
    }
    out.push(m);
  }
  return images.length === 0 ? leftover : images.concat(leftover);
}

/** Appends the OpenAI messages for one canonical message (zero, one or several) to `out`. */
export function renderMessage(msg: Message, sameDialect: boolean, out: unknown[]): void {
  if (msg.role === 'assistant') {
    renderAssistant(msg, sameDialect, out);
    return;
  }
  let parts: ContentPart[] = msg.content;
  let asString = msg.contentWasString;
  for (const p of parts) {
    if (p.type === 'tool_result') {
      parts = renderToolResults(msg, sameDialect, out);
      asString = asString && allText(parts);
      break;
    }
  }
  if (msg.role === 'tool' && parts.length === 0) return;
  const content = renderContent(parts, asString, sameDialect);
  if (content === undefined) return;
  const m = base(msg, sameDialect);
  if (m.role === 'tool') m.role = 'user';
  m.content = content;
  out.push(m);
}
