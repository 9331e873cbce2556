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

/** `stableJson(keyParts(req))`, written field by field in that order without the intermediate objects. */
export function keyText(req: CanonicalRequest): string {
  let out = '{';
  const field = (name: string, v: unknown) => {
    if (v === undefined) return;
    if (out.length > 1) out += ',';
    out += `"${name}":${stableJson(v)}`;
  };
  // The names in the order stableJson sorts them (the test checks the order).
  field('extra', outputExtra(req.extra));
  field('frequencyPenalty', req.frequencyPenalty);
  field('logprobs', req.logprobs);
  field('maxTokens', req.maxTokens);
  if (out.length > 1) out += ',';
  out += '"messages":[';
  for (let i = 0; i < req.messages.length; i++) {
    const m = req.messages[i]!;
    if (i > 0) out += ',';
    out += `{"content":${partsText(m.content)}`;
    if (m.extra !== undefined) out += `,"extra":${stableJson(m.extra)}`;
    if (m.name !== undefined) out += `,"name":${stableJson(m.name)}`;
    if (m.refusal !== undefined && m.refusal !== null) out += `,"refusal":${stableJson(m.refusal)}`;
    out += `,"role":${stableJson(m.role)}}`;
  }
  out += `],"model":${stableJson(req.model)}`;
  field('n', req.n);
  field('parallelToolCalls', req.parallelToolCalls);
  field('presencePenalty', req.presencePenalty);
  field('reasoning', req.reasoning);
  field('responseFormat', req.responseFormat);
  field('seed', req.seed);
  field('stop', req.stop);
  out += ',"system":[';
  for (let i = 0; i < req.system.length; i++) {
    if (i > 0) out += ',';
    out += stableJson(req.system[i]!.text);
  }
  out += ']';
  field('temperature', req.temperature);
  field('toolChoice', req.toolChoice);
  field('tools', req.tools);
  field('topK', req.topK);
  field('topLogprobs', req.topLogprobs);
  field('topP', req.topP);
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
