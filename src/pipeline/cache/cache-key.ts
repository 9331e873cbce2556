/**
 * The exact-cache key: sha256 over a stable serialisation (sorted keys, `cacheControl` markers dropped)
 * of every canonical request part that can change the answer, plus a namespace (tenant key, feature,
 * `x-penny-cache-namespace`). Transport and bookkeeping fields — stream, stream usage, user, metadata,
 * how a field was spelled on the wire — are left out, so a streamed and a non-streamed request, and an
 * OpenAI-format and an Anthropic-format request for the same model and conversation, share one entry: the
 * stored answer is canonical and is rendered in each client's own dialect.
 * Every cacheable request computes its key, so `keyText` writes the text directly in its known field order
 * (and plain text parts without sorting their keys), instead of building `keyParts` and sorting every
 * object's keys: the same text, so the same keys as before (the test compares the two on every fixture).
 */
import { hash } from 'node:crypto';
import type { CanonicalRequest, ContentPart, TextPart } from '../../core/request.js';
import { stableJson } from './semantic/scope.js';

export const CACHE_KEY_VERSION = 'penny-cache-v1';

/** Top-level wire fields that never change the answer (delivery, billing, tracing). */
const NON_OUTPUT_EXTRA = new Set([
  'stream_options',
  'store',
  'service_tier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'prompt_cache_options',
  'safety_identifier',
  'user',
  'metadata',
]);

function outputExtra(extra: Record<string, unknown>): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(extra)) {
    if (NON_OUTPUT_EXTRA.has(k) || v === undefined) continue;
    out ??= {};
    out[k] = v;
  }
  return out;
}

/** Sampling and length parameters (everything that changes the answer except the prompt itself). */
export function paramParts(req: CanonicalRequest): Record<string, unknown> {
  return {
    parallelToolCalls: req.parallelToolCalls,
    maxTokens: req.maxTokens,
    temperature: req.temperature,
    topP: req.topP,
    topK: req.topK,
    stop: req.stop,
    n: req.n,
    seed: req.seed,
    logprobs: req.logprobs,
    topLogprobs: req.topLogprobs,
    presencePenalty: req.presencePenalty,
    frequencyPenalty: req.frequencyPenalty,
    reasoning: req.reasoning,
    extra: outputExtra(req.extra),
  };
}

/** Every part of the request that can change the answer. */
export function keyParts(req: CanonicalRequest): Record<string, unknown> {
  return {
    model: req.model,
    system: req.system.map((p) => p.text),
    messages: req.messages.map((m) => ({
      role: m.role,
      content: m.content,
      name: m.name,
      refusal: m.refusal ?? undefined,
      extra: m.extra,
    })),
    tools: req.tools,
    toolChoice: req.toolChoice,
    responseFormat: req.responseFormat,
    ...paramParts(req),
  };
}

/** `out` with `"name":<stableJson(v)>` appended when `v` is set (`out` is an object's text so far, from `{`). */
function field(out: string, name: string, v: unknown): string {
  if (v === undefined) return out;
  return `${out}${out.length > 1 ? ',' : ''}"${name}":${stableJson(v)}`;
}

/** stableJson of a value that is a string in any request that parsed (model, role, system text). */
function str(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : stableJson(v);
}

/** `stableJson(keyParts(req))`, written field by field in that order without the intermediate objects. */
export function keyText(req: CanonicalRequest): string {
  // The names in the order stableJson sorts them (the test checks the order).
  let out = field('{', 'extra', outputExtra(req.extra));
  out = field(out, 'frequencyPenalty', req.frequencyPenalty);
  out = field(out, 'logprobs', req.logprobs);
  out = field(out, 'maxTokens', req.maxTokens);
  out += out.length > 1 ? ',"messages":[' : '"messages":[';
  for (let i = 0; i < req.messages.length; i++) {
    const m = req.messages[i]!;
    if (i > 0) out += ',';
    out += `{"content":${partsText(m.content)}`;
    if (m.extra !== undefined) out += `,"extra":${stableJson(m.extra)}`;
    if (m.name !== undefined) out += `,"name":${stableJson(m.name)}`;
    if (m.refusal !== undefined && m.refusal !== null) out += `,"refusal":${stableJson(m.refusal)}`;
    out += `,"role":${str(m.role)}}`;
  }
  out += `],"model":${str(req.model)}`;
  out = field(out, 'n', req.n);
  out = field(out, 'parallelToolCalls', req.parallelToolCalls);
  out = field(out, 'presencePenalty', req.presencePenalty);
  out = field(out, 'reasoning', req.reasoning);
  out = field(out, 'responseFormat', req.responseFormat);
  out = field(out, 'seed', req.seed);
  out = field(out, 'stop', req.stop);
  out += ',"system":[';
  for (let i = 0; i < req.system.length; i++) {
    if (i > 0) out += ',';
    out += str(req.system[i]!.text);
  }
  out += ']';
  out = field(out, 'temperature', req.temperature);
  out = field(out, 'toolChoice', req.toolChoice);
  out = field(out, 'tools', req.tools);
  out = field(out, 'topK', req.topK);
  out = field(out, 'topLogprobs', req.topLogprobs);
  out = field(out, 'topP', req.topP);
  return `${out}}`;
}

/** The field names `keyText` writes, in its order (the test checks that this is stableJson's sorted order). */
export const KEY_TEXT_FIELDS = [
  'extra',
  'frequencyPenalty',
  'logprobs',
  'maxTokens',
  'messages',
  'model',
  'n',
  'parallelToolCalls',
  'presencePenalty',
  'reasoning',
  'responseFormat',
  'seed',
  'stop',
  'system',
  'temperature',
  'toolChoice',
  'tools',
  'topK',
  'topLogprobs',
  'topP',
] as const;

/** A message's parts as stableJson writes them; a plain text part (the common case) without sorting its keys. */
function partsText(parts: readonly ContentPart[]): string {
  let out = '[';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (i > 0) out += ',';
    out +=
      p.type === 'text' && plainText(p) ? `{"text":${JSON.stringify(p.text)},"type":"text"}` : stableJson(p);
  }
  return `${out}]`;
}

/** True when a text part has no fields but its text, its type and a cache marker (which the key drops). */
function plainText(p: TextPart): boolean {
  if (typeof p.text !== 'string') return false;
  for (const k in p) if (k !== 'type' && k !== 'text' && k !== 'cacheControl') return false;
  return true;
}

export function exactKey(req: CanonicalRequest, namespace: string): string {
  return hash('sha256', `${CACHE_KEY_VERSION}\n${namespace}\n${keyText(req)}`, 'hex');
}

/** Hash of the parameters, so semantic matches never cross differing lengths, temperatures or stops. */
export function paramsHash(req: CanonicalRequest): string {
  return hash('sha256', stableJson(paramParts(req)), 'hex').slice(0, 16);
}
