/**
 * Which requests may share a micro-batch call, and with whom. An item is one user message of plain text
 * under the feature's system prompt; tools, images, `n > 1`, log-probabilities, structured output,
 * reasoning settings and conversation history are never batched. Requests share a call only when their
 * group key matches: feature, client dialect, model, system prompt, sampling parameters, and the key or
 * user when the policy's `scope` says so.
 */
import { createHash } from 'node:crypto';
import type { CanonicalRequest } from '../../core/request.js';
import type { RequestContext } from '../../pipeline/context.js';
import type { BatchFeatureConfig } from './config.js';

/** Why a request is not batched (ledger `meta.batch.skipped`), or null when it can be. */
export function ineligible(req: CanonicalRequest): string | null {
  if (req.tools?.length || req.toolChoice) return 'tools';
  if (req.n !== undefined && req.n > 1) return 'n';
  if (req.logprobs || req.topLogprobs !== undefined) return 'logprobs';
  if (req.responseFormat && req.responseFormat.type !== 'text') return 'response_format';
  if (req.reasoning) return 'reasoning';
  if (req.conversation?.previousResponseId) return 'conversation';
  if (req.messages.length !== 1) return 'history';
  const m = req.messages[0]!;
  if (m.role !== 'user') return 'history';
  for (const p of m.content) {
    if (p.type === 'image') return 'images';
    if (p.type !== 'text') return 'content';
  }
  if (itemText(req).trim() === '') return 'empty';
  return null;
}

/** The item's text: its one user message. */
export function itemText(req: CanonicalRequest): string {
  let s = '';
  for (const p of req.messages[0]?.content ?? []) if (p.type === 'text') s += (s ? '\n' : '') + p.text;
  return s;
}

/** The key of the group a request may join: everything that must be equal for requests to share a call. */
export function groupKey(ctx: RequestContext, policy: BatchFeatureConfig): string {
  const r = ctx.request;
  const scope =
    policy.scope === 'key'
      ? `key:${ctx.attribution.keyId ?? ''}`
      : policy.scope === 'user'
        ? `user:${ctx.attribution.user ?? ''}`
        : '';
  const shared = {
    feature: ctx.attribution.feature,
    dialect: ctx.clientDialect,
    model: r.model,
    system: r.system.map((p) => p.text),
    systemRole: r.systemRole,
    temperature: r.temperature,
    topP: r.topP,
    topK: r.topK,
    stop: r.stop,
    seed: r.seed,
    presencePenalty: r.presencePenalty,
    frequencyPenalty: r.frequencyPenalty,
    promptCacheKey: r.promptCacheKey,
    cacheControl: r.cacheControl,
    extra: r.extra,
    scope,
  };
  return createHash('sha256').update(JSON.stringify(shared)).digest('hex');
}
