/**
 * Applies a text transform to every piece of prompt text a model reads — system parts, message text parts and
 * tool results — in prompt order, and returns a new request. Nothing is mutated: `ctx.original` shares its
 * objects with the request, and unchanged messages are shared with the result. Tool-call arguments, images,
 * reasoning (signed) and raw parts are never touched.
 */
import type { CanonicalRequest, ContentPart, Message, TextPart } from '../../core/request.js';

export type TextWhere = 'system' | Message['role'];
export type TextTransform = (text: string, where: TextWhere) => string;

function mapParts(parts: ContentPart[], where: TextWhere, fn: TextTransform): ContentPart[] | null {
  let out: ContentPart[] | null = null;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    let next: ContentPart = p;
    if (p.type === 'text') {
      const t = fn(p.text, where);
      if (t !== p.text) next = { ...p, text: t };
    } else if (p.type === 'tool_result') {
      if (typeof p.content === 'string') {
        const t = fn(p.content, 'tool');
        if (t !== p.content) next = { ...p, content: t };
      } else {
        const inner = mapParts(p.content, 'tool', fn);
        if (inner !== null)
          next = { ...p, content: inner as Array<Extract<ContentPart, { type: 'text' | 'image' }>> };
      }
    }
    if (next !== p) {
      out ??= parts.slice();
      out[i] = next;
    }
  }
  return out;
}

/** The request with `fn` applied to every prompt text; the same object when nothing changed. */
export function mapRequestText(req: CanonicalRequest, fn: TextTransform): CanonicalRequest {
  let system: TextPart[] | null = null;
  req.system.forEach((p, i) => {
    const t = fn(p.text, 'system');
    if (t !== p.text) {
      system ??= req.system.slice();
      system[i] = { ...p, text: t };
    }
  });
  let messages: Message[] | null = null;
  req.messages.forEach((m, i) => {
    const parts = mapParts(m.content, m.role, fn);
    if (parts !== null) {
      messages ??= req.messages.slice();
      messages[i] = { ...m, content: parts };
    }
  });
  if (system === null && messages === null) return req;
  return { ...req, system: system ?? req.system, messages: messages ?? req.messages };
}

/** Every prompt text of a request, in order (for counting and tests). */
export function requestTexts(req: CanonicalRequest): string[] {
  const out: string[] = [];
  mapRequestText(req, (t) => {
    out.push(t);
    return t;
  });
  return out;
}
