/**
 * Remembers when each prompt prefix (by hash) was last seen, to decide whether it is worth caching and
 * for how long. A prefix seen at least `warmup` times before is "reused". The TTL follows the gaps
 * between its arrivals: Anthropic's 5-minute cache is refreshed by every read, so it suffices while reuse
 * comes within 5 minutes; when the typical gap is longer than 5 minutes but short enough for at least two
 * reads an hour (≤ 30 min), the 1-hour cache (2× write price instead of 1.25×) pays for itself.
 */

export type CacheTtl = '5m' | '1h';

export interface PrefixStats {
  /** Arrivals before this one (within the memory of the tracker). */
  seen: number;
  /** Median gap between arrivals, ms (including this one); undefined when first seen. */
  medianGapMs?: number;
}

interface Track {
  times: number[];
  seen: number;
}

const KEEP_TIMES = 9;
const FIVE_MIN = 5 * 60_000;
const HALF_HOUR = 30 * 60_000;
const HOUR = 60 * 60_000;

export class ReuseTracker {
  private readonly tracks = new Map<string, Track>();

  constructor(
    private readonly maxPrefixes = 20_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.tracks.size;
  }

  /** Records an arrival of `hash` and returns what was known before it. */
  observe(hash: string): PrefixStats {
    const t = this.now();
    let track = this.tracks.get(hash);
    if (track) this.tracks.delete(hash);
    else track = { times: [], seen: 0 };
    // Arrivals more than an hour apart say nothing about reuse within a cache's lifetime.
    const last = track.times[track.times.length - 1];
    if (last !== undefined && t - last > HOUR) track = { times: [], seen: 0 };
    const stats: PrefixStats = { seen: track.seen };
    track.times.push(t);
    if (track.times.length > KEEP_TIMES) track.times.shift();
    track.seen++;
    if (track.times.length >= 2) stats.medianGapMs = median(gaps(track.times));
    this.tracks.set(hash, track);
    if (this.tracks.size > this.maxPrefixes) this.tracks.delete(this.tracks.keys().next().value!);
    return stats;
  }
}

/** 1h when the prefix comes back every 5–30 minutes; 5m otherwise (including when unknown). */
export function chooseTtl(stats: PrefixStats): CacheTtl {
  const g = stats.medianGapMs;
  if (g === undefined) return '5m';
  return g > FIVE_MIN && g <= HALF_HOUR ? '1h' : '5m';
}

function gaps(times: number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < times.length; i++) out.push(times[i]! - times[i - 1]!);
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
