/**
 * Prompt tokens taken by tool definitions on OpenAI chat models, after the OpenAI cookbook's
 * `num_tokens_for_tools`: per function `func_init + tokens("name:description")`, then for its
 * parameters `prop_init` once and per property `prop_key + tokens("key:type:description")` (a trailing
 * "." of a description is dropped; an enum adds `enum_init` plus `enum_item + tokens(item)` per item),
 * and `func_end` once for the whole list. The cookbook's constants: gpt-4o family func_init 7, older
 * cl100k models 10; both prop_init 3, prop_key 3, enum_init −3, enum_item 3, func_end 12.
 * The formula only covers flat parameter objects; nested objects/arrays are counted by their JSON text
 * and the result is flagged inexact.
 */
import type { ToolDef } from '../core/request.js';
import { countWithEncoding } from './encoders.js';
import type { OpenAiEncoding } from './token-count.js';

const FUNC_INIT: Record<OpenAiEncoding, number> = { o200k_base: 7, cl100k_base: 10 };
const PROP_INIT = 3;
const PROP_KEY = 3;
const ENUM_INIT = -3;
const ENUM_ITEM = 3;
const FUNC_END = 12;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dropDot(s: string): string {
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

function typeName(t: unknown): string {
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.filter((x) => typeof x === 'string').join(' | ');
  return 'object';
}

/** `count` counts a text (by default with `encoding`; count-request.ts passes its own). */
export function openAiToolTokens(
  tools: ToolDef[],
  encoding: OpenAiEncoding,
  count: (s: string) => number = (s) => countWithEncoding(s, encoding),
): { tokens: number; exact: boolean } {
  if (tools.length === 0) return { tokens: 0, exact: true };
  let tokens = 0;
  let exact = true;
  for (const tool of tools) {
    if (tool.raw !== undefined) {
      tokens += count(JSON.stringify(tool.raw.value));
      exact = false;
      continue;
    }
    tokens += FUNC_INIT[encoding];
    tokens += count(`${tool.name}:${dropDot(tool.description ?? '')}`);
    const props = tool.parameters.properties;
    if (!isRecord(props)) continue;
    const keys = Object.keys(props);
    if (keys.length === 0) continue;
    tokens += PROP_INIT;
    for (const key of keys) {
      tokens += PROP_KEY;
      const prop = props[key];
      if (!isRecord(prop)) {
        exact = false;
        continue;
      }
      if (Array.isArray(prop.enum)) {
        tokens += ENUM_INIT;
        for (const item of prop.enum) tokens += ENUM_ITEM + count(String(item));
      }
      const desc = typeof prop.description === 'string' ? dropDot(prop.description) : '';
      tokens += count(`${key}:${typeName(prop.type)}:${desc}`);
      const nested = prop.properties ?? prop.items ?? prop.anyOf ?? prop.oneOf;
      if (nested !== undefined) {
        tokens += count(JSON.stringify(nested));
        exact = false;
      }
    }
  }
  return { tokens: tokens + FUNC_END, exact };
}
