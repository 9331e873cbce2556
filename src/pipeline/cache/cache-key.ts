/**
 * The exact-cache key: sha256 over a stable serialisation (sorted keys, `cacheControl` markers dropped)
 * of every canonical request part that can change the answer, plus a namespace (tenant key, feature,
 * `x-penny-cache-namespace`). Transport and bookkeeping fields — stream, stream usage, user, metadata,
 * how a field was spelled on the wire — are left out, so a streamed and a non-streamed request, and an
 * OpenAI-format and an Anthropic-format request for the same model and conversation, share one entry: the
 * stored answer is canonical and is rendered in each client's own dialect.
 */
import { hash } from 'node:crypto';
import type { CanonicalRequest } from '../../core/request.js';
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

export function exactKey(req: CanonicalRequest, namespace: string): string {
  return hash('sha256', `${CACHE_KEY_VERSION}\n${namespace}\n${stableJson(keyParts(req))}`, 'hex');
}

/** Hash of the parameters, so semantic matches never cross differing lengths, temperatures or stops. */
export function paramsHash(req: CanonicalRequest): string {
  return hash('sha256', stableJson(paramParts(req)), 'hex').slice(0, 16);
}
