/**
 * Walks OpenAI and Anthropic message lists once to get what the estimators need: a hash of the stable
 * prefix (prompt caching), a hash of the whole prompt (duplicates), the last user question, the system
 * and user texts, and a character count for estimating tokens when a log has no usage. The prefix is
 * hashed once and its digest seeds the whole-prompt hash, so a long system prompt is read only once.
 * Non-text parts are hashed as JSON but never copied into texts.
 */
import { Hash53 } from './hash.js';
import { isObj, str } from './json-shape.js';
import type { PromptText } from './types.js';

export interface PromptScan {
  promptKey: number;
  prompt: PromptText;
  /** Characters of all input text (for a chars/4 estimate when usage is missing). */
  inputChars: number;
}

/** Feeds an OpenAI or Anthropic `content` (string or parts) to the hash, collecting text; returns chars. */
function addContent(content: unknown, h: Hash53, texts: string[] | null): number {
  if (typeof content === 'string') {
    h.add(content);
    texts?.push(content);
    return content.length;
  }
  if (!Array.isArray(content)) {
    if (content !== undefined && content !== null) h.add(JSON.stringify(content));
    return 0;
  }
  let chars = 0;
  for (const part of content) {
    h.sep();
    if (isObj(part) && typeof part.text === 'string' && (part.type === 'text' || part.type === undefined)) {
      h.add(part.text);
      texts?.push(part.text);
      chars += part.text.length;
    } else if (isObj(part) && part.type === 'tool_result') {
      chars += addContent(part.content, h, null);
    } else {
      const json = JSON.stringify(part) ?? '';
      h.add(json);
      chars += json.length;
    }
  }
  return chars;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) {
    if (isObj(part) && typeof part.text === 'string') out += out === '' ? part.text : `\n${part.text}`;
  }
  return out;
}

function addMessage(m: unknown, h: Hash53, texts: string[]): { chars: number; role: string } {
  if (!isObj(m)) return { chars: 0, role: '' };
  const role = str(m.role) ?? '';
  h.add(role).sep();
  const keep = role === 'system' || role === 'developer' || role === 'user';
  const chars = addContent(m.content, h, keep ? texts : null);
  if (m.tool_calls !== undefined) h.add(JSON.stringify(m.tool_calls) ?? '');
  h.sep();
  return { chars, role };
}

function lastUserText(messages: unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (isObj(m) && m.role === 'user') return textOf(m.content);
  }
  return '';
}

function finish(
  model: string,
  prefix: Hash53,
  prefixChars: number,
  texts: string[],
  messages: unknown[],
  from: number,
  inputChars: number,
): PromptScan {
  const prefixKey = prefix.digest();
  const prefixTexts = texts.length;
  const whole = new Hash53().add(model).sep().addNumber(prefixKey);
  for (let i = from; i < messages.length; i++) inputChars += addMessage(messages[i], whole, texts).chars;
  return {
    promptKey: whole.digest(),
    prompt: { prefixKey, prefixChars, lastUser: lastUserText(messages), texts, prefixTexts },
    inputChars,
  };
}

/** OpenAI Chat Completions: tools + leading system/developer messages are the prefix (else the first message). */
export function scanOpenAiPrompt(model: string, messages: unknown[], tools: unknown): PromptScan {
  const prefix = new Hash53().add(model).sep();
  const texts: string[] = [];
  let prefixChars = 0;
  if (tools !== undefined) {
    const json = JSON.stringify(tools) ?? '';
    prefix.add(json).sep();
    prefixChars += json.length;
  }
  let i = 0;
  for (; i < messages.length; i++) {
    const m = messages[i];
    const role = isObj(m) ? m.role : undefined;
    if (role !== 'system' && role !== 'developer') break;
    prefixChars += addMessage(m, prefix, texts).chars;
  }
  if (i === 0 && messages.length > 0 && prefixChars === 0) {
    prefixChars += addMessage(messages[0], prefix, texts).chars;
    i = 1;
  }
  return finish(model, prefix, prefixChars, texts, messages, i, prefixChars);
}

/** Anthropic Messages: tools + `system` are the prefix (the order the provider caches in), else the first message. */
export function scanAnthropicPrompt(
  model: string,
  system: unknown,
  messages: unknown[],
  tools: unknown,
): PromptScan {
  const prefix = new Hash53().add(model).sep();
  const texts: string[] = [];
  let prefixChars = 0;
  if (tools !== undefined) {
    const json = JSON.stringify(tools) ?? '';
    prefix.add(json).sep();
    prefixChars += json.length;
  }
  if (system !== undefined && system !== null) {
    prefix.add('system').sep();
    prefixChars += addContent(system, prefix, texts);
  }
  let from = 0;
  if (prefixChars === 0 && messages.length > 0) {
    prefixChars += addMessage(messages[0], prefix, texts).chars;
    from = 1;
  }
  return finish(model, prefix, prefixChars, texts, messages, from, prefixChars);
}

/** Characters of the answer text, for a chars/4 output estimate. */
export function outputChars(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const part of content) {
    if (isObj(part)) {
      if (typeof part.text === 'string') n += part.text.length;
      else if (part.type === 'tool_use') n += (JSON.stringify(part.input) ?? '').length;
    }
  }
  return n;
}
