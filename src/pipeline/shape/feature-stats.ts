/**
 * A feature's output statistics from the ledger — typical completion length, the length percentile an
 * adaptive cap is built on, and how often capped answers were cut off — recomputed periodically in the
 * background, never on a request's path. The adaptive cap backs off by itself: when more than the threshold
 * share of the answers it capped since its last change ended with "length", it doubles; after `maxBackoffs`
 * doublings it is removed for the feature. Answers served without a model (shortcuts, cache hits) are ignored.
 */
import type { LedgerEntry } from '../../core/ledger-entry.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { Logger } from '../../observability/logger.js';
import type { AdaptiveCapConfig, ShapeGlobalConfig } from './config.js';

export interface OutputStats {
  /** Completed answers from a model. */
  samples: number;
  meanOutput: number;
  /** Answers sent before any shaping applied (no `meta.shape`), and their mean length. */
  unshapedSamples: number;
  unshapedMeanOutput: number;
  /** Sorted lengths of the answers that ended by themselves (not cut by a cap), for percentiles. */
  sorted: number[];
}

export interface CapState {
  /** The cap in force; null = none (too few samples, or removed). */
  cap: number | null;
  backoffs: number;
  removed: boolean;
  /** Entries started at or before this time (ms) do not count toward the truncation share (the cap changed then). */
  since: number;
  /** Truncated share among capped answers since `since`, when enough were seen. */
  truncatedShare?: number;
}

export interface FeatureSnapshot {
  stats: OutputStats;
  cap?: CapState;
  computedAt: number;
}

interface ShapeMeta {
  cap?: unknown;
  truncated?: unknown;
}

function shapeMeta(e: LedgerEntry): ShapeMeta | undefined {
  const m = e.meta?.shape;
  return m !== null && typeof m === 'object' ? (m as ShapeMeta) : undefined;
}

function modelAnswers(entries: readonly LedgerEntry[]): LedgerEntry[] {
  return entries.filter(
    (e) => e.status === 'ok' && e.provider !== null && e.outputText > 0 && e.meta?.shortcut === undefined,
  );
}

export function outputStats(entries: readonly LedgerEntry[]): OutputStats {
  const ok = modelAnswers(entries);
  const unshaped = ok.filter((e) => shapeMeta(e) === undefined);
  const mean = (xs: LedgerEntry[]) => (xs.length ? xs.reduce((a, e) => a + e.outputText, 0) / xs.length : 0);
  return {
    samples: ok.length,
    meanOutput: mean(ok),
    unshapedSamples: unshaped.length,
    unshapedMeanOutput: mean(unshaped),
    // A truncated answer's length is the cap, not the answer's: counting it would make the cap feed itself.
    sorted: ok
      .filter((e) => shapeMeta(e)?.truncated !== true)
      .map((e) => e.outputText)
      .sort((a, b) => a - b),
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1]!;
}

/** The next cap for a feature, from its recent entries and the previous state. Pure. */
export function nextCapState(
  prev: CapState | undefined,
  entries: readonly LedgerEntry[],
  stats: OutputStats,
  policy: AdaptiveCapConfig,
  now: number,
): CapState {
  let backoffs = prev?.backoffs ?? 0;
  let since = prev?.since ?? 0;
  let removed = prev?.removed ?? false;
  let truncatedShare: number | undefined;
  if (!removed) {
    const capped = modelAnswers(entries).filter((e) => e.ts > since && typeof shapeMeta(e)?.cap === 'number');
    if (capped.length >= policy.minCapped) {
      const truncated = capped.filter((e) => shapeMeta(e)?.truncated === true).length;
      truncatedShare = truncated / capped.length;
      if (truncatedShare > policy.truncationThreshold) {
        backoffs++;
        since = now;
        if (backoffs > policy.maxBackoffs) removed = true;
      }
    }
  }
  const state: CapState = { cap: null, backoffs, removed, since };
  if (truncatedShare !== undefined) state.truncatedShare = truncatedShare;
  if (removed || stats.samples < policy.minSamples) return state;
  const base = percentile(stats.sorted, policy.percentile) * policy.margin;
  state.cap = Math.max(policy.minTokens, Math.ceil(base * 2 ** backoffs));
  return state;
}

export interface FeatureStatsOptions extends ShapeGlobalConfig {
  clock?: () => number;
}

/** Per-feature snapshots, refreshed from the ledger in the background (stale-while-revalidate). */
export class FeatureStats {
  private readonly snapshots = new Map<string, FeatureSnapshot>();
  private readonly inflight = new Map<string, Promise<FeatureSnapshot>>();
  private readonly clock: () => number;

  constructor(
    private readonly ledger: Ledger,
    private readonly opts: FeatureStatsOptions,
    private readonly logger?: Logger,
  ) {
    this.clock = opts.clock ?? Date.now;
  }

  /** The current snapshot (maybe none yet); starts a refresh in the background when it is stale. */
  get(feature: string, adaptive?: AdaptiveCapConfig): FeatureSnapshot | undefined {
    const snap = this.snapshots.get(feature);
    if (!snap || this.clock() - snap.computedAt >= this.opts.refreshSeconds * 1000) {
      this.refresh(feature, adaptive).catch((e) =>
        this.logger?.warn('feature statistics refresh failed', { feature, error: e }),
      );
    }
    return snap;
  }

  /** Recomputes a feature's snapshot now (one refresh at a time per feature). */
  refresh(feature: string, adaptive?: AdaptiveCapConfig): Promise<FeatureSnapshot> {
    const running = this.inflight.get(feature);
    if (running) return running;
    const p = this.compute(feature, adaptive).finally(() => this.inflight.delete(feature));
    this.inflight.set(feature, p);
    return p;
  }

  private async compute(feature: string, adaptive?: AdaptiveCapConfig): Promise<FeatureSnapshot> {
    const now = this.clock();
    const entries = await this.ledger.query({
      feature,
      from: now - this.opts.windowHours * 3_600_000,
      limit: this.opts.maxEntries,
    });
    const stats = outputStats(entries);
    const snap: FeatureSnapshot = { stats, computedAt: now };
    if (adaptive) {
      const prev = this.snapshots.get(feature)?.cap;
      snap.cap = nextCapState(prev, entries, stats, adaptive, now);
      if (prev && (prev.cap !== snap.cap.cap || prev.removed !== snap.cap.removed)) {
        this.logger?.info('adaptive output cap changed', {
          feature,
          from: prev.cap,
          to: snap.cap.cap,
          backoffs: snap.cap.backoffs,
          removed: snap.cap.removed,
        });
      }
    }
    this.snapshots.set(feature, snap);
    return snap;
  }
}
