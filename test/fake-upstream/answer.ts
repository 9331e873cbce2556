/**
 * The deterministic answer to a request, independent of wire format.
 *
 * Rules (tests elsewhere rely on them):
 * - Text is `echo: <last user text>` (directives removed), truncated or padded with filler words to
 *   N words (N = #fake:words, default 12), then cut by max_tokens (finish "length") and stop sequences.
 * - Output tokens = number of words generated; every word is one stream chunk. Structured output (tool
 *   arguments, json_schema answers) is streamed in 8-character fragments and counts one token per fragment.
 * - Reasoning tokens (#fake:reasoning=N) are reported on top of the output tokens (OpenAI
 *   reasoning_tokens inside completion_tokens; Anthropic a thinking block of N words inside output_tokens).
 * - Input tokens = characters of the prompt text / 4, rounded up (see request-view.ts); cache directives
 *   add tokens on top: uncached input is always that character-derived count.
 */
import type { RequestView } from './request-view.js';
import { isRecord, type Json } from './request-view.js';
import { type Scenario, parseDirectives, stripDirectives } from './scenario.js';

export const DEFAULT_WORDS = 12;
const FILLER = ['lorem', 'ipsum', 'dolor', 'sit', 'amet', 'consectetur', 'adipiscing', 'elit'];
const THOUGHTS = ['Let', 'me', 'think', 'this', 'through', 'step', 'by', 'step.'];
const FRAGMENT = 8;

export interface FakeToolCall {
  id: string;
  name: string;
  arguments: string;
  fragments: string[];
}

export interface AnswerUsage {
  /** Uncached input tokens. */
  input: number;
  cached: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  /** Output tokens excluding reasoning. */
  output: number;
  reasoning: number;
}

export interface Answer {
  /** Visible text in stream chunks (each one output token); empty for a tool call. */
  pieces: string[];
  text: string;
  toolCall: FakeToolCall | undefined;
  reasoningPieces: string[];
  /** Finish reason in OpenAI terms: stop, length, tool_calls, content_filter … */
  finish: string;
  stopSequence: string | null;
  usage: AnswerUsage;
}

export type JsonMode = { kind: 'object' } | { kind: 'schema'; schema: Json } | undefined;

function wordsToPieces(words: string[]): string[] {
  return words.map((w, i) => (i === 0 ? w : ` ${w}`));
}

function fragments(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += FRAGMENT) out.push(text.slice(i, i + FRAGMENT));
  return out;
}

function cycle(source: string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(source[i % source.length] ?? '');
  return out;
}

/** A small value that satisfies common JSON Schemas: first enum value, 1, true, "fake", … */
export function sampleValue(schema: unknown, depth = 0): unknown {
  if (!isRecord(schema) || depth > 4) return 'fake';
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const alt = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alt) && alt.length > 0) return sampleValue(alt[0], depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array':
      return [sampleValue(schema.items, depth + 1)];
    case 'object':
      return sampleObject(schema, depth);
    case 'string':
      return 'fake';
    default:
      return isRecord(schema.properties) ? sampleObject(schema, depth) : 'fake';
  }
}

function sampleObject(schema: Json, depth: number): Json {
  const out: Json = {};
  if (!isRecord(schema.properties)) return schema.additionalProperties === false ? out : { input: 'fake' };
  for (const [k, v] of Object.entries(schema.properties)) out[k] = sampleValue(v, depth + 1);
  return out;
}

function chooseTool(view: RequestView, sc: Scenario): string | undefined {
  if (view.tools.length === 0 || view.toolsDisabled) return undefined;
  const wanted = view.forcedTool ?? (sc.tool && !view.endsWithToolResult ? sc.tool : undefined);
  if (wanted === undefined) return undefined;
  if (typeof wanted === 'string' && wanted !== '' && view.tools.some((t) => t.name === wanted)) return wanted;
  return view.tools[0]?.name;
}

export function buildAnswer(view: RequestView, sc: Scenario, toolId: string, json: JsonMode): Answer {
  const reasoningPieces = wordsToPieces(cycle(THOUGHTS, sc.reasoning ?? 0));
  const usage: AnswerUsage = {
    input: view.inputTokens,
    cached: sc.cached ?? 0,
    cacheWrite5m: sc.cacheWrite ?? 0,
    cacheWrite1h: sc.cacheWrite1h ?? 0,
    output: 0,
    reasoning: sc.reasoning ?? 0,
  };

  const toolName = chooseTool(view, sc);
  if (toolName !== undefined) {
    const schema = view.tools.find((t) => t.name === toolName)?.schema ?? {};
    const args = JSON.stringify(sampleObject({ type: 'object', ...schema }, 0));
    const frags = fragments(args);
    usage.output = frags.length;
    return {
      pieces: [],
      text: '',
      toolCall: { id: toolId, name: toolName, arguments: args, fragments: frags },
      reasoningPieces,
      finish: sc.finish ?? 'tool_calls',
      stopSequence: null,
      usage,
    };
  }

  const batch = batchItems(view.lastUserText);
  if (batch) return batchAnswer(batch, sc, reasoningPieces, usage);

  const n = sc.words ?? DEFAULT_WORDS;
  const source = `echo: ${stripDirectives(view.lastUserText)}`.split(' ').filter((w) => w !== '');
  let words = source.slice(0, n);
  if (words.length < n) words = words.concat(cycle(FILLER, n - words.length));
  let finish = 'stop';
  if (view.maxTokens !== undefined && words.length > view.maxTokens) {
    words = words.slice(0, Math.max(0, view.maxTokens));
    finish = 'length';
  }

  let text: string;
  let pieces: string[];
  if (json?.kind === 'schema') {
    text = JSON.stringify(sampleValue({ type: 'object', ...json.schema }));
    pieces = fragments(text);
  } else {
    text = json?.kind === 'object' ? JSON.stringify({ answer: words.join(' ') }) : words.join(' ');
    pieces = text === '' ? [] : wordsToPieces(text.split(' '));
  }

  let stopSequence: string | null = null;
  let cut = -1;
  for (const s of view.stop) {
    const at = s === '' ? -1 : text.indexOf(s);
    if (at >= 0 && (cut < 0 || at < cut)) {
      cut = at;
      stopSequence = s;
    }
  }
  if (cut >= 0) {
    text = text.slice(0, cut);
    pieces = text === '' ? [] : wordsToPieces(text.split(' '));
    finish = 'stop';
  }
  usage.output = pieces.length;
  return {
    pieces,
    text,
    toolCall: undefined,
    reasoningPieces,
    finish: sc.finish ?? finish,
    stopSequence,
    usage,
  };
}

/**
 * A micro-batch prompt (Penny's src/batch/micro/combine.ts): "…Items:\n[{"id":"1","text":"…"},…]". Each item
 * is answered as if it were alone (the same echo rule, its own #fake:words), as
 * {"answers":[{"id":"1","answer":"…"}]}; #fake:batch_drop / batch_dup in an item's text leave it out or
 * answer it twice, #fake:batch_garbage anywhere answers with text that is not JSON.
 */
export function batchItems(text: string): Array<{ id: string; text: string }> | null {
  const at = text.indexOf('\nItems:\n[');
  if (at < 0 || !text.includes('{"answers":')) return null;
  try {
    const list: unknown = JSON.parse(text.slice(at + '\nItems:\n'.length));
    if (!Array.isArray(list)) return null;
    return list.filter(
      (x): x is { id: string; text: string } =>
        isRecord(x) && typeof x.id === 'string' && typeof x.text === 'string',
    );
  } catch {
    return null;
  }
}

/** The echo answer of one item text, as a request with only that text would get it. */
export function itemAnswer(text: string): string {
  const sc = parseDirectives(text);
  const n = sc.words ?? DEFAULT_WORDS;
  let words = `echo: ${stripDirectives(text)}`
    .split(' ')
    .filter((w) => w !== '')
    .slice(0, n);
  if (words.length < n) words = words.concat(cycle(FILLER, n - words.length));
  return words.join(' ');
}

function batchAnswer(
  items: Array<{ id: string; text: string }>,
  sc: Scenario,
  reasoningPieces: string[],
  usage: AnswerUsage,
): Answer {
  let text: string;
  if (sc.batchGarbage) text = 'Sure! Here are the answers: first one is yes, second is no.';
  else {
    const answers: Array<{ id: string; answer: string }> = [];
    for (const it of items) {
      const own = parseDirectives(it.text);
      if (own.batchDrop) continue;
      answers.push({ id: it.id, answer: itemAnswer(it.text) });
      if (own.batchDup) answers.push({ id: it.id, answer: itemAnswer(it.text) });
    }
    text = JSON.stringify({ answers });
  }
  const pieces = wordsToPieces(text.split(' '));
  usage.output = pieces.length;
  return {
    pieces,
    text,
    toolCall: undefined,
    reasoningPieces,
    finish: sc.finish ?? 'stop',
    stopSequence: null,
    usage,
  };
}
