/**
 * Builds the gateway's semantic cache from the config: the offline local embedder by default, or an
 * OpenAI-compatible `/v1/embeddings` provider, behind a small memo so that storing a request's text right
 * after looking it up does not pay for a second embedding. Also prices embedding tokens (catalog first,
 * then `inputPerMillion`), so the ledger can book what the lookups cost.
 */
import { type Money, perMillionToPerToken } from '../../core/money.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import type { CacheGlobalConfig } from './config.js';
import type { EmbedResult, Embedder } from './semantic/embedder.js';
import { LocalEmbedder } from './semantic/local-embedder.js';
import { OpenAIEmbedder } from './semantic/openai-embedder.js';
import { SemanticCache } from './semantic/semantic-cache.js';
import { VectorIndex } from './semantic/vector-index.js';
import type { SemanticLog } from './fleet/semantic-log.js';
import { SemanticReplica, type SemanticReplicaOptions } from './fleet/semantic-replica.js';

/** Remembers the vectors of the last texts embedded; a repeat costs nothing and reports no usage. */
export class MemoEmbedder implements Embedder {
  readonly id: string;
  readonly dims: number;
  private readonly memo = new Map<string, Float32Array>();

  constructor(
    private readonly inner: Embedder,
    private readonly size = 512,
  ) {
    this.id = inner.id;
    this.dims = inner.dims;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return (await this.embedWithUsage(texts)).vectors;
  }

  async embedWithUsage(texts: string[]): Promise<EmbedResult> {
    const missing = texts.filter((t) => !this.memo.has(t));
    let promptTokens = 0;
    if (missing.length) {
      let vectors: Float32Array[];
      if (this.inner.embedWithUsage) {
        const r = await this.inner.embedWithUsage(missing);
        vectors = r.vectors;
        promptTokens = r.usage.promptTokens;
      } else vectors = await this.inner.embed(missing);
      for (let i = 0; i < missing.length; i++) this.remember(missing[i]!, vectors[i]!);
    }
    return {
      vectors: texts.map((t) => this.memo.get(t)!),
      usage: { model: this.id, promptTokens },
    };
  }

  private remember(text: string, v: Float32Array): void {
    this.memo.delete(text);
    this.memo.set(text, v);
    if (this.memo.size > this.size) this.memo.delete(this.memo.keys().next().value!);
  }
}

export interface SemanticSetup {
  cache: SemanticCache;
  /** Picodollars per embedding token (0 for the local embedder; null when unknown). */
  pricePerToken: Money | null;
  remote: boolean;
  /** Present when entries are shared with other instances (started by buildSemantic). */
  replica?: SemanticReplica;
}

/** Shares the semantic entries through a log chosen by embedder (entries of different embedders never mix). */
export interface SemanticSharing extends SemanticReplicaOptions {
  open(embedderKey: string): SemanticLog;
}

export function buildSemantic(
  cfg: CacheGlobalConfig['semantic'],
  catalog: PriceCatalog,
  env: NodeJS.ProcessEnv = process.env,
  sharing?: SemanticSharing,
): SemanticSetup {
  const e = cfg.embedder;
  let embedder: Embedder;
  let pricePerToken: Money | null = 0n;
  if (e.type === 'local') embedder = new LocalEmbedder({ dims: e.dims });
  else {
    const apiKey = e.apiKey ?? (e.apiKeyEnv ? env[e.apiKeyEnv] : undefined);
    embedder = new OpenAIEmbedder({
      baseUrl: e.baseUrl,
      model: e.model,
      dims: e.dims,
      requestDimensions: e.requestDimensions,
      timeoutMs: e.timeoutMs,
      ...(apiKey ? { apiKey } : {}),
    });
    pricePerToken =
      e.inputPerMillion !== undefined
        ? perMillionToPerToken(String(e.inputPerMillion))
        : (catalog.lookup(e.model)?.input ?? null);
  }
  const memo = new MemoEmbedder(embedder);
  const index = new VectorIndex({ dims: memo.dims, maxEntries: cfg.maxEntries });
  let replica: SemanticReplica | undefined;
  const cache = new SemanticCache({
    embedder: memo,
    index,
    topK: cfg.topK,
    ...(sharing ? { onStore: (r) => replica?.publish(r) } : {}),
  });
  if (sharing) {
    replica = new SemanticReplica(cache, sharing.open(`${memo.id}:${memo.dims}`), sharing);
    replica.start();
  }
  return { cache, pricePerToken, remote: e.type !== 'local', ...(replica ? { replica } : {}) };
}
