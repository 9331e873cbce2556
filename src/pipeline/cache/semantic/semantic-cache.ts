/**
 * The semantic cache engine: finds a stored request whose last user turn means the same as a new one,
 * within the same scope (see scope.ts). A candidate is served only if its similarity reaches the
 * threshold AND it passes every hit guard (guards.ts); the top-k candidates are checked, not only the
 * best one, because the nearest text is often the negated one. In shadow mode the would-be hit is
 * reported and never served. Embedding errors are thrown (the caller serves the request uncached).
 */
import { ConfigError } from '../../../core/errors.js';
import type { EmbedUsage, Embedder } from './embedder.js';
import type { TextFeatures } from './guard-features.js';
import { analyzeText } from './guard-features.js';
import type { GuardKind } from './guards.js';
import { compareFeatures } from './guards.js';
import type { SemanticScope } from './scope.js';
import { scopeKey } from './scope.js';
import { VectorIndex } from './vector-index.js';

/**
 * Default similarity threshold for the local embedder, chosen on the development half of the labelled
 * pairs (see bench/semantic.ts and bench/results/semantic/summary.md for the rule and the numbers).
 */
export const DEFAULT_SEMANTIC_THRESHOLD = 0.35;

export interface SemanticThresholds {
  default?: number;
  /** Per-feature overrides, keyed by the feature name the caller passes to `lookup`. */
  perFeature?: Record<string, number>;
}

export interface SemanticCacheOptions {
  embedder: Embedder;
  /** Defaults to an in-memory index sized for 100k entries. */
  index?: VectorIndex;
  thresholds?: SemanticThresholds;
  /** Candidates checked by the guards per lookup. Default 5. */
  topK?: number;
  /** Texts longer than this are neither stored nor looked up. Default 2000 characters. */
  maxTextChars?: number;
  /** Called with every entry stored here (not with ingested ones), e.g. to share it with other instances. */
  onStore?: (entry: SemanticEntryRecord) => void;
}

/** A stored entry as other instances receive it: the scope key, the cache key, the text and its vector. */
export interface SemanticEntryRecord {
  scope: string;
  id: string;
  text: string;
  vector: Float32Array;
}

export interface SemanticHit {
  id: string;
  score: number;
  entryText: string;
  /** The entry was stored by another instance and replicated here (fleet.semantic). */
  replicated?: true;
}

export interface SemanticLookupInput {
  scope: SemanticScope;
  /** The last user turn. */
  text: string;
  /** Overrides the configured threshold. */
  threshold?: number;
  /** Selects a per-feature threshold. */
  feature?: string;
  /** Report the would-be hit without serving it. */
  shadow?: boolean;
}

export interface SemanticLookupResult {
  /** The entry to serve, or null. Always null in shadow mode. */
  hit: SemanticHit | null;
  /** Shadow mode: the entry that would have been served. */
  wouldHit?: SemanticHit;
  /** Why the best candidate above the threshold was not served (first guard that rejected it). */
  rejectedBy?: string;
  rejectedKind?: GuardKind;
  /** The best similarity seen in the scope (even below the threshold), for logs and headers. */
  bestScore?: number;
  threshold: number;
  /** Why no lookup was made ("too_long", "empty"). */
  skipped?: string;
  /** What embedding the query cost (remote embedders only). */
  embedUsage?: EmbedUsage;
  /** The query's embedding (absent when skipped), for `store` to index the same text without embedding it again. */
  vector?: Float32Array;
}

export interface SemanticStoreInput {
  scope: SemanticScope;
  text: string;
  id: string;
  /** The text's embedding when the lookup already made it (SemanticLookupResult.vector). */
  vector?: Float32Array;
}

export interface SemanticStoreResult {
  stored: boolean;
  skipped?: string;
  embedUsage?: EmbedUsage;
}

interface StoredEntry {
  text: string;
  /** Ingested from another instance. */
  replicated?: true;
  /** The guards' view of the text, computed the first time the entry is a candidate. */
  features?: TextFeatures;
}

export class SemanticCache {
  readonly embedder: Embedder;
  readonly index: VectorIndex;
  private readonly thresholds: Required<Pick<SemanticThresholds, 'default'>> & SemanticThresholds;
  private readonly topK: number;
  private readonly maxTextChars: number;
  private readonly stored = new Map<string, StoredEntry>();
  private readonly onStore: ((entry: SemanticEntryRecord) => void) | undefined;

  constructor(opts: SemanticCacheOptions) {
    this.embedder = opts.embedder;
    this.index = opts.index ?? new VectorIndex({ dims: opts.embedder.dims });
    if (this.index.dims !== this.embedder.dims) {
      throw new ConfigError(
        'cache.semantic',
        `the index has ${this.index.dims} dimensions but embedder ${this.embedder.id} makes ${this.embedder.dims}`,
      );
    }
    this.thresholds = { ...opts.thresholds, default: opts.thresholds?.default ?? DEFAULT_SEMANTIC_THRESHOLD };
    this.topK = opts.topK ?? 5;
    this.maxTextChars = opts.maxTextChars ?? 2000;
    this.onStore = opts.onStore;
    this.index.onEvict((id, reason) => {
      if (reason !== 'replaced') this.stored.delete(id);
    });
  }

  get size(): number {
    return this.index.size;
  }

  thresholdFor(feature?: string): number {
    const per = feature === undefined ? undefined : this.thresholds.perFeature?.[feature];
    return per ?? this.thresholds.default;
  }

  async lookup(input: SemanticLookupInput): Promise<SemanticLookupResult> {
    const threshold = input.threshold ?? this.thresholdFor(input.feature);
    const skipped = this.skipReason(input.text);
    if (skipped !== null) return { hit: null, threshold, skipped };
    const { vector, usage } = await this.embedOne(input.text);
    const base: SemanticLookupResult = {
      hit: null,
      threshold,
      vector,
      ...(usage ? { embedUsage: usage } : {}),
    };
    const candidates = this.index.search(scopeKey(input.scope), vector, this.topK, Math.min(threshold, 0));
    if (candidates.length === 0) return base;
    base.bestScore = candidates[0]!.score;
    const query = analyzeText(input.text);
    for (const c of candidates) {
      if (c.score < threshold) break;
      const entry = this.stored.get(c.id);
      if (entry === undefined) continue;
      entry.features ??= analyzeText(entry.text);
      const verdict = compareFeatures(query, entry.features);
      if (!verdict.ok) {
        if (base.rejectedBy === undefined) {
          base.rejectedBy = verdict.reason;
          if (verdict.kind) base.rejectedKind = verdict.kind;
        }
        continue;
      }
      const hit: SemanticHit = {
        id: c.id,
        score: c.score,
        entryText: entry.features.text,
        ...(entry.replicated ? { replicated: true as const } : {}),
      };
      if (input.shadow) return { ...base, wouldHit: hit };
      this.index.touch(c.id);
      return { ...base, hit };
    }
    return base;
  }

  async store(input: SemanticStoreInput): Promise<SemanticStoreResult> {
    const skipped = this.skipReason(input.text);
    if (skipped !== null) return { stored: false, skipped };
    const { vector, usage } =
      input.vector?.length === this.index.dims
        ? { vector: input.vector, usage: undefined }
        : await this.embedOne(input.text);
    const scope = scopeKey(input.scope);
    this.stored.set(input.id, { text: input.text });
    this.index.add(scope, input.id, vector);
    this.onStore?.({ scope, id: input.id, text: input.text, vector });
    return { stored: true, ...(usage ? { embedUsage: usage } : {}) };
  }

  /**
   * Adds an entry another instance stored (no embedding here). Skips ids already indexed, and vectors of
   * another size or texts this cache would not store; returns whether it was added.
   */
  ingest(e: SemanticEntryRecord): boolean {
    if (this.index.has(e.id) || e.vector.length !== this.index.dims || this.skipReason(e.text) !== null)
      return false;
    this.stored.set(e.id, { text: e.text, replicated: true });
    this.index.add(e.scope, e.id, e.vector);
    return true;
  }

  /**
   * `ingest` for many entries at once (a new instance loading the shared log): the index builds the
   * lists of a scope that receives many entries in one pass. Returns how many were added.
   */
  ingestMany(records: readonly SemanticEntryRecord[]): number {
    const take: SemanticEntryRecord[] = [];
    for (const e of records) {
      if (this.index.has(e.id) || e.vector.length !== this.index.dims || this.skipReason(e.text) !== null)
        continue;
      this.stored.set(e.id, { text: e.text, replicated: true });
      take.push(e);
    }
    this.index.addMany(take);
    return new Set(take.map((e) => e.id)).size;
  }

  remove(id: string): boolean {
    this.stored.delete(id);
    return this.index.remove(id);
  }

  private skipReason(text: string): string | null {
    if (text.trim().length === 0) return 'empty';
    if (text.length > this.maxTextChars) return 'too_long';
    return null;
  }

  private async embedOne(text: string): Promise<{ vector: Float32Array; usage?: EmbedUsage }> {
    if (this.embedder.embedWithUsage) {
      const r = await this.embedder.embedWithUsage([text]);
      return { vector: r.vectors[0]!, usage: r.usage };
    }
    const [vector] = await this.embedder.embed([text]);
    return { vector: vector! };
  }
}

export type { SemanticScope } from './scope.js';
export { scopeFromRequest } from './scope.js';
