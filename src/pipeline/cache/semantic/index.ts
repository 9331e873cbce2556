/**
 * The semantic cache's public surface, for the cache stage of the pipeline: the engine, its scope
 * helpers, the embedders and the guards. Everything else in this folder is internal.
 */
export type { Embedder, EmbedResult, EmbedUsage } from './embedder.js';
export type { GuardKind, GuardOptions, GuardVerdict } from './guards.js';
export { compareForSemanticHit } from './guards.js';
export type { LocalEmbedderOptions } from './local-embedder.js';
export { LocalEmbedder } from './local-embedder.js';
export type { OpenAIEmbedderOptions } from './openai-embedder.js';
export { OpenAIEmbedder } from './openai-embedder.js';
export type { SemanticScope } from './scope.js';
export { lastUserText, modelFamily, scopeFromRequest, scopeKey } from './scope.js';
export type {
  SemanticCacheOptions,
  SemanticHit,
  SemanticLookupInput,
  SemanticLookupResult,
  SemanticStoreInput,
  SemanticStoreResult,
  SemanticThresholds,
} from './semantic-cache.js';
export { DEFAULT_SEMANTIC_THRESHOLD, SemanticCache } from './semantic-cache.js';
export type { EvictReason, SearchHit, VectorIndexOptions } from './vector-index.js';
export { VectorIndex } from './vector-index.js';
