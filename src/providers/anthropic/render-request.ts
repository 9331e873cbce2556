/**
 * The canonical request → an Anthropic Messages body. For a request that came from an Anthropic client it
 * is the exact inverse of parse-request (unknown fields included). For one from another dialect it makes a
 * body Anthropic accepts:
 * - system messages before the first turn join `system`; later ones become user text "System: …";
 * - role "tool" messages become `tool_result` blocks in a user message, and consecutive same-role messages
 *   are merged (tool results first), because Anthropic wants strictly alternating turns;
 * - `responseFormat` json_object / json_schema has no Anthropic field, so it becomes an instruction
 *   appended to the system prompt (with the schema when there is one);
 * - `n` > 1 is refused; presence/frequency penalties, seed, logprobs and reasoning effort are dropped;
 * - `max_tokens`, which Anthropic requires, defaults to DEFAULT_MAX_TOKENS (or `defaultMaxTokens`).
 * The body shares verbatim values (raw blocks, schemas, extra fields) with the request instead of copying them.
 */
import { InvalidRequestError } from '../../core/errors.js';
import type {
  CanonicalRequest,
  ContentPart,
  Message,
  ResponseFormat,
  TextPart,
  ToolDef,
} from '../../core/request.js';
import type { RenderRequestOptions } from '../dialect.js';
import { renderPart } from './render-content.js';
import { isRecord, type Json, renderCacheControl } from './wire.js';
import { ownCopy } from '../../core/own-copy.js';

/** `max_tokens` sent when the request has none (Anthropic requires it). */
export const DEFAULT_MAX_TOKENS = 4096;

export interface AnthropicRenderOptions extends RenderRequestOptions {
  /** Overrides DEFAULT_MAX_TOKENS for requests that carry no maxTokens. */
  defaultMaxTokens?: number;
}

interface WireMessage {
  role: 'user' | 'assistant';
  content: string | Json[];
  [k: string]: unknown;
}

function partsText(parts: ContentPart[]): string {
  let s = '';
  for (const p of parts) if (p.type === 'text') s += s ? `\n${p.text}` : p.text;
  return s;
}

/** The instruction that stands in for OpenAI's response_format. */
export function jsonInstruction(f: ResponseFormat): string | undefined {
  if (f.type === 'json_object')
    return 'Respond with only a JSON object, with no other text before or after it.';
  if (f.type === 'json_schema') {
    const about = f.description ? ` (${f.description})` : '';
    return (
      `Respond with only a JSON object${about}, with no other text before or after it, ` +
      `that conforms to this JSON Schema:\n${JSON.stringify(f.schema)}`
    );
  }
  return undefined;
}

function renderSystem(parts: TextPart[], req: CanonicalRequest, same: boolean): string | Json[] | undefined {
  if (parts.length === 0) return undefined;
  const plain = parts.length === 1 && parts[0] !== undefined && !parts[0].cacheControl;
  if (plain && (req.systemWasString || !same)) return parts[0]!.text;
  return parts.map((p) => {
    const b: Json = { type: 'text', text: p.text };
    if (p.cacheControl) b.cache_control = renderCacheControl(p.cacheControl);
    return b;
  });
}

function renderTool(t: ToolDef): Json | undefined {
  let out: Json;
  if (t.raw) {
    if (t.raw.dialect !== 'anthropic' || !isRecord(t.raw.value)) return undefined;
    out = ownCopy(t.raw.value);
    const v = t.raw.value;
    if (typeof v.type !== 'string' || v.type === 'custom') {
      out.name = t.name;
      if (t.description !== undefined) out.description = t.description;
      out.input_schema = t.parameters;
    }
    delete out.cache_control;
  } else {
    out = { name: t.name };
    if (t.description !== undefined) out.description = t.description;
    out.input_schema = t.parameters;
    if (t.strict !== undefined) out.strict = t.strict;
  }
  if (t.cacheControl) out.cache_control = renderCacheControl(t.cacheControl);
  return out;
}

/** Appends blocks to a same-role message, keeping tool_result blocks first as Anthropic requires. */
function merge(into: WireMessage, blocks: Json[]): void {
  const cur = typeof into.content === 'string' ? [{ type: 'text', text: into.content }] : into.content;
  let all = cur.concat(blocks);
  if (into.role === 'user' && blocks.some((b) => b.type === 'tool_result')) {
    all = all.filter((b) => b.type === 'tool_result').concat(all.filter((b) => b.type !== 'tool_result'));
  }
  into.content = all;
}

/** Renders the turns; text of system messages before the first turn is pushed onto `leading`. */
function renderMessages(req: CanonicalRequest, same: boolean, leading: TextPart[]): WireMessage[] {
  const out: WireMessage[] = [];
  let turns = 0;
  for (let i = 0; i < req.messages.length; i++) {
    const m: Message = req.messages[i]!;
    const path = `messages[${i}]`;
    if (m.role === 'system') {
      const text = partsText(m.content);
      if (turns === 0) {
        for (const p of m.content) if (p.type === 'text') leading.push(p);
        continue;
      }
      const block: Json = { type: 'text', text: `System: ${text}` };
      const last = out[out.length - 1];
      if (last && last.role === 'user') merge(last, [block]);
      else out.push({ role: 'user', content: [block] });
      turns++;
      continue;
    }
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const first = m.content[0];
    const asString =
      m.contentWasString &&
      m.role !== 'tool' &&
      m.content.length === 1 &&
      first?.type === 'text' &&
      !first.cacheControl &&
      (same || first.text !== '');
    let content: string | Json[];
    if (asString) content = (first as TextPart).text;
    else {
      const blocks: Json[] = [];
      for (let j = 0; j < m.content.length; j++) {
        const p = m.content[j]!;
        if (!same && p.type === 'text' && p.text === '') continue; // Anthropic rejects empty text blocks
        const b = renderPart(p, `${path}.content[${j}]`);
        if (b) blocks.push(b);
      }
      if (!same && role === 'assistant' && m.refusal && !blocks.some((b) => b.type === 'text')) {
        blocks.unshift({ type: 'text', text: m.refusal });
      }
      if (!same && blocks.length === 0) continue;
      content = blocks;
    }
    turns++;
    const last = out[out.length - 1];
    if (!same && last && last.role === role) {
      merge(last, typeof content === 'string' ? [{ type: 'text', text: content }] : content);
      continue;
    }
    let wm: WireMessage = { role, content };
    if (same && m.extra) {
      // The client's unmodelled members first, then role and content, as `{ ...m.extra, role, content }`.
      const laid = ownCopy(m.extra);
      laid.role = role;
      laid.content = content;
      wm = laid as WireMessage;
    }
    out.push(wm);
  }
  return out;
}

export function renderRequest(req: CanonicalRequest, opts: AnthropicRenderOptions): Json {
  const same = req.dialect === 'anthropic';
  if (req.n !== undefined && req.n > 1)
    throw new InvalidRequestError('n > 1 is not supported by Anthropic models', 'n');
  const out: Json = same ? ownCopy(req.extra) : {};
  out.model = opts.model;
  out.max_tokens = req.maxTokens ?? opts.defaultMaxTokens ?? DEFAULT_MAX_TOKENS;

  const leading: TextPart[] = [];
  const messages = renderMessages(req, same, leading);
  const systemParts = leading.length === 0 ? req.system : req.system.concat(leading);
  const instruction = req.responseFormat ? jsonInstruction(req.responseFormat) : undefined;
  let system = renderSystem(systemParts, req, same);
  if (instruction !== undefined) {
    if (system === undefined) system = instruction;
    else if (typeof system === 'string') system = `${system}\n\n${instruction}`;
    else system.push({ type: 'text', text: instruction });
  }
  if (system !== undefined) out.system = system;
  out.messages = messages;

  if (req.tools && (same || req.tools.length > 0)) {
    const tools: Json[] = [];
    for (const t of req.tools) {
      const r = renderTool(t);
      if (r) tools.push(r);
    }
    out.tools = tools;
  }
  const hasTools = Array.isArray(out.tools) && out.tools.length > 0;
  if (req.toolChoice && (same || hasTools)) {
    const c = req.toolChoice;
    const tc: Json =
      c.type === 'required'
        ? { type: 'any' }
        : c.type === 'tool'
          ? { type: 'tool', name: c.name }
          : { type: c.type };
    if (req.parallelToolCalls !== undefined && c.type !== 'none')
      tc.disable_parallel_tool_use = !req.parallelToolCalls;
    out.tool_choice = tc;
  } else if (req.parallelToolCalls === false && hasTools) {
    out.tool_choice = { type: 'auto', disable_parallel_tool_use: true };
  }

  if (req.stop !== undefined && (same || req.stop.length > 0)) out.stop_sequences = req.stop;
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.topP !== undefined) out.top_p = req.topP;
  if (req.topK !== undefined) out.top_k = req.topK;

  const r = req.reasoning;
  if (r) {
    if (same && isRecord(r.raw)) {
      out.thinking =
        r.budgetTokens !== undefined && r.raw.budget_tokens !== r.budgetTokens
          ? Object.assign(ownCopy(r.raw), { budget_tokens: r.budgetTokens })
          : r.raw;
    } else if (r.budgetTokens !== undefined) {
      out.thinking = { type: 'enabled', budget_tokens: r.budgetTokens };
    }
  }

  if (same && req.metadata) {
    out.metadata =
      req.user !== undefined && req.metadata.user_id !== req.user
        ? Object.assign(ownCopy(req.metadata), { user_id: req.user })
        : req.metadata;
  } else if (req.user !== undefined) {
    out.metadata = { user_id: req.user };
  }
  if (req.cacheControl) out.cache_control = renderCacheControl(req.cacheControl);
  if (req.stream) out.stream = true;
  return out;
}
