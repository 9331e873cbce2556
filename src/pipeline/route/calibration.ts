/**
 * Calibrated thresholds for a feature's difficulty router: instead of a fixed 0.5 (which sends 100% of
 * long few-shot prompts and 5% of bare questions to the strong model, depending only on how the scorer
 * happens to be scaled), the threshold is the score quantile that sends a target share of the feature's
 * OWN requests to the strong model — or the share that meets a target mean $ per request.
 *
 * Scores come from (in order of preference): a window of the feature's recent requests (seeded at start-up
 * from the ledger's recent `meta.route.score` of the same router, then updated live), a sample of prompts
 * the config names, or — until either exists — the fixed `threshold`.
 */
import { thresholdForStrongFraction } from './threshold.js';

export interface CalibrationOptions {
  /** Share of requests for the strong model (0..1). */
  targetStrongShare?: number;
  /** Mean $ per request to aim for; converted into a share from the requests' estimated cheap/strong costs. */
  targetCostUsd?: number;
  /** Recent scores kept. */
  window: number;
  /** Scores needed before the live window is trusted. */
  minSamples: number;
  /** Fixed threshold used until there are scores. */
  fallback: number;
  /** Scores of a supplied sample of prompts (with estimated cheap/strong $ each, for a cost target). */
  sample?: { scores: number[]; cheapUsd?: number[]; strongUsd?: number[] };
}

export type ThresholdSource = 'live' | 'sample' | 'fixed';

export class ThresholdCalibrator {
  private readonly ring: Float64Array;
  private readonly cheapRing: Float64Array;
  private readonly strongRing: Float64Array;
  private count = 0;
  private next = 0;
  private sinceRecompute = 0;
  private cached: { threshold: number; source: ThresholdSource; share: number | null };

  constructor(readonly opts: CalibrationOptions) {
    if ((opts.targetStrongShare === undefined) === (opts.targetCostUsd === undefined)) {
      throw new RangeError('give exactly one of targetStrongShare and targetCostUsd');
    }
    this.ring = new Float64Array(opts.window);
    this.cheapRing = new Float64Array(opts.window);
    this.strongRing = new Float64Array(opts.window);
    this.cached = this.compute();
  }

  /** The threshold to apply now, where it came from, and the strong share it aims at. */
  current(): { threshold: number; source: ThresholdSource; share: number | null } {
    return this.cached;
  }

  threshold(): number {
    return this.cached.threshold;
  }

  /** Records one routed request's score (and its estimated cheap/strong $, for a cost target). */
  observe(score: number, cheapUsd = 0, strongUsd = 0): void {
    this.ring[this.next] = score;
    this.cheapRing[this.next] = cheapUsd;
    this.strongRing[this.next] = strongUsd;
    this.next = (this.next + 1) % this.ring.length;
    this.count = Math.min(this.count + 1, this.ring.length);
    // Re-sorting a window of a few hundred scores is cheap, but not on every request.
    this.sinceRecompute++;
    if (this.count === this.opts.minSamples || this.sinceRecompute >= Math.max(1, this.ring.length / 20)) {
      this.sinceRecompute = 0;
      this.cached = this.compute();
    }
  }

  /** Seeds the window (e.g. from the ledger's recent scores), oldest first. */
  seed(scores: readonly number[]): void {
    for (const s of scores.slice(-this.ring.length)) this.observe(s);
    this.cached = this.compute();
  }

  private share(cheap: ArrayLike<number>, strong: ArrayLike<number>, n: number): number {
    if (this.opts.targetStrongShare !== undefined) return this.opts.targetStrongShare;
    let c = 0;
    let s = 0;
    for (let i = 0; i < n; i++) {
      c += cheap[i]!;
      s += strong[i]!;
    }
    if (n === 0 || s <= c) return 0;
    return Math.max(0, Math.min(1, (this.opts.targetCostUsd! - c / n) / ((s - c) / n)));
  }

  private compute(): { threshold: number; source: ThresholdSource; share: number | null } {
    if (this.count >= this.opts.minSamples) {
      const scores = Array.from(this.ring.subarray(0, this.count));
      const share = this.share(this.cheapRing, this.strongRing, this.count);
      return { threshold: thresholdForStrongFraction(scores, share), source: 'live', share };
    }
    const sample = this.opts.sample;
    if (sample && sample.scores.length > 0) {
      const n = sample.scores.length;
      const share =
        this.opts.targetStrongShare ??
        this.share(sample.cheapUsd ?? new Array(n).fill(0), sample.strongUsd ?? new Array(n).fill(0), n);
      return { threshold: thresholdForStrongFraction(sample.scores, share), source: 'sample', share };
    }
    return { threshold: this.opts.fallback, source: 'fixed', share: null };
  }
}
