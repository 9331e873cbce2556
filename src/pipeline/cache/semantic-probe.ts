/**
 * The semantic lookup of a response-cache miss: embeds the last user turn, and either finds a stored
 * answer close enough to serve, or (shadow mode) records the answer it would have served so the real one
 * can be compared with it. The embedding's cost is reported to settle as a side cost of `cache.semantic`
 * (nothing for the local embedder; flagged `embedding_unpriced` when the embedder has no price). A failing
 * embedder is a miss, counted and logged.
 */
import type { Logger } from '../../observability/logger.js';
import type { RequestContext } from '../context.js';
import type { CacheMeta } from './cache-meta.js';
import type { CachedAnswer } from './entry-codec.js';
import type { CachePolicy } from './policy.js';
import { type SemanticScope, lastUserText, scopeFromRequest } from './semantic/scope.js';
import type { SemanticSetup } from './semantic-wiring.js';
import { countCache } from './stats.js';

/** What to index once the answer is stored. */
export interface SemanticProbe {
  scope: SemanticScope;
  text: string;
  /** The text's embedding, made by the lookup: the store indexes it without embedding again. */
  vector?: Float32Array;
}

export type ProbeResult =
  | { kind: 'hit'; answer: CachedAnswer; score: number }
  | { kind: 'miss'; probe?: SemanticProbe; shadowAnswer?: CachedAnswer };

export interface ProbeArgs {
  ctx: RequestContext;
  meta: CacheMeta;
  policy: CachePolicy['semantic'];
  /** Scope of the lookup beside the request's own: namespace and parameter hash. */
  partition: string;
  semantic: SemanticSetup;
  /** Reads (and validates) a stored answer by key. */
  read(key: string): Promise<CachedAnswer | null>;
  logger: Logger;
}

export async function probeSemantic(a: ProbeArgs): Promise<ProbeResult> {
  const { ctx, meta, semantic } = a;
  const text = lastUserText(ctx.request);
  if (text === null) return { kind: 'miss' };
  const probe: SemanticProbe = { text, scope: scopeFromRequest(ctx.request, a.partition) };
  try {
    const r = await semantic.cache.lookup({
      scope: probe.scope,
      text,
      shadow: a.policy.shadow,
      ...(a.policy.threshold !== undefined ? { threshold: a.policy.threshold } : {}),
    });
    reportEmbedding(ctx, meta, semantic, r.embedUsage?.promptTokens ?? 0);
    if (r.vector) probe.vector = r.vector;
    meta.semantic = {
      ...(r.bestScore !== undefined ? { bestScore: round(r.bestScore) } : {}),
      ...(r.rejectedBy ? { rejectedBy: r.rejectedBy } : {}),
      ...(r.skipped ? { skipped: r.skipped } : {}),
    };
    if (r.hit) {
      const answer = await a.read(r.hit.id);
      if (answer) {
        if (r.hit.replicated) countCache('semanticRemoteHit');
        return { kind: 'hit', answer, score: round(r.hit.score) };
      }
      semantic.cache.remove(r.hit.id);
    } else if (r.wouldHit) {
      const answer = await a.read(r.wouldHit.id);
      if (answer) {
        meta.status = 'shadow-hit';
        meta.shadow = { score: round(r.wouldHit.score), key: r.wouldHit.id.slice(0, 16) };
        countCache('shadowHit');
        return { kind: 'miss', probe, shadowAnswer: answer };
      }
    }
    return { kind: 'miss', probe };
  } catch (e) {
    countCache('embedError');
    a.logger.warn('semantic cache lookup failed; served uncached', { error: e });
    return { kind: 'miss' };
  }
}

/** The embedding tokens of a lookup, for settle to price (none for the local embedder). */
function reportEmbedding(
  ctx: RequestContext,
  meta: CacheMeta,
  semantic: SemanticSetup,
  tokens: number,
): void {
  if (tokens <= 0) return;
  meta.embeddingTokens = tokens;
  const perToken = semantic.pricePerToken;
  if (perToken === null) {
    if (!ctx.flags.includes('embedding_unpriced')) ctx.flags.push('embedding_unpriced');
    return;
  }
  ctx.money.sideCosts.push({ tactic: 'cache.semantic', tokens, perToken });
}

export function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
