/**
 * Responses API `input` items → canonical messages. Messages (`{role, content}` or `type: "message"`),
 * `function_call` and `function_call_output` items map onto canonical parts; items Penny does not model
 * (reasoning items, built-in tool calls, item references) are kept verbatim as raw parts of the
 * "responses" dialect, attached to the assistant turn that follows them, so an OpenAI upstream gets them
 * back unchanged and other dialects simply leave them out.
 */
import { InvalidRequestError } from '../../core/errors.js';
import type { ContentPart, ImagePart, Message, RawPart } from '../../core/request.js';
import {
  isObject,
  type JsonObject,
  readArray,
  readNonEmptyString,
  readString,
} from '../openai/wire-guards.js';

const ROLES = new Set(['user', 'assistant', 'system', 'developer']);

function parseImage(p: JsonObject, path: string): ImagePart | RawPart {
  if (typeof p.image_url !== 'string') return { type: 'raw', dialect: 'responses', value: p };
  const url = p.image_url;
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  const part: ImagePart = m
    ? { type: 'image', source: { kind: 'base64', mediaType: m[1]!, data: m[2]! } }
    : { type: 'image', source: { kind: 'url', url: readNonEmptyString(url, `${path}.image_url`) } };
  if (typeof p.detail === 'string') part.detail = p.detail;
  return part;
}

function parseContent(v: unknown, path: string): { parts: ContentPart[]; refusal?: string } {
  const arr = readArray(v, path);
  const parts: ContentPart[] = [];
  let refusal: string | undefined;
  for (let i = 0; i < arr.length; i++) {
    const p = arr[i];
    const at = `${path}[${i}]`;
    if (!isObject(p)) throw new InvalidRequestError(`${at} must be an object`, at);
    switch (p.type) {
      case 'input_text':
      case 'output_text':
        parts.push({ type: 'text', text: readString(p.text, `${at}.text`) });
        break;
      case 'input_image':
        parts.push(parseImage(p, at));
        break;
      case 'refusal':
        refusal = readString(p.refusal, `${at}.refusal`);
        break;
      default:
        parts.push({ type: 'raw', dialect: 'responses', value: p });
    }
  }
  return refusal === undefined ? { parts } : { parts, refusal };
}

function toolOutput(v: unknown, path: string): string {
  if (typeof v === 'string') return v;
  const arr = readArray(v, path);
  let s = '';
  for (const p of arr) if (isObject(p) && typeof p.text === 'string') s += p.text;
  return s;
}

export function parseInput(input: unknown): Message[] {
  if (typeof input === 'string')
    return [{ role: 'user', content: [{ type: 'text', text: input }], contentWasString: true }];
  const items = readArray(input, 'input');
  const out: Message[] = [];
  let pending: RawPart[] = [];
  /** The assistant message function calls are gathered into (null after any other item). */
  let assistant: Message | null = null;
  const openAssistant = (): Message => {
    if (assistant === null) {
      assistant = { role: 'assistant', content: [] };
      out.push(assistant);
    }
    if (pending.length) {
      assistant.content.push(...pending);
      pending = [];
    }
    return assistant;
  };
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const path = `input[${i}]`;
    if (!isObject(item)) throw new InvalidRequestError(`${path} must be an object`, path);
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    if (type === 'message') {
      const role = readString(item.role, `${path}.role`);
      if (!ROLES.has(role))
        throw new InvalidRequestError(`${path}.role must be one of user, assistant, system, developer`, path);
      let msg: Message;
      if (role === 'assistant') msg = openAssistant();
      else {
        msg = { role: role === 'user' ? 'user' : 'system', content: [] };
        if (role === 'developer') msg.extra = { role: 'developer' };
        out.push(msg);
        assistant = null;
      }
      if (typeof item.content === 'string') {
        msg.content.push({ type: 'text', text: item.content });
        if (role !== 'assistant') msg.contentWasString = true;
      } else {
        const { parts, refusal } = parseContent(item.content, `${path}.content`);
        msg.content.push(...parts);
        if (refusal !== undefined) msg.refusal = refusal;
      }
      continue;
    }
    if (type === 'function_call') {
      openAssistant().content.push({
        type: 'tool_call',
        id: readNonEmptyString(item.call_id, `${path}.call_id`),
        name: readNonEmptyString(item.name, `${path}.name`),
        arguments: readString(item.arguments, `${path}.arguments`),
      });
      continue;
    }
    if (type === 'function_call_output') {
      out.push({
        role: 'tool',
        content: [
          {
            type: 'tool_result',
            toolCallId: readNonEmptyString(item.call_id, `${path}.call_id`),
            content: toolOutput(item.output, `${path}.output`),
          },
        ],
      });
      assistant = null;
      continue;
    }
    if (typeof type !== 'string')
      throw new InvalidRequestError(`${path} must be a message or an item with a "type"`, path);
    pending.push({ type: 'raw', dialect: 'responses', value: item });
  }
  if (pending.length) out.push({ role: 'assistant', content: pending });
  return out;
}
