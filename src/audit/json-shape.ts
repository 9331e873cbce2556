/**
 * Small narrowing helpers for parsed log lines: the edge where untrusted JSON becomes typed values.
 * Hand-written rather than a schema library because they run once per line of a million-line log.
 */
export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown): Obj | undefined {
  return isObj(v) ? v : undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A finite non-negative number (token counts, caps); strings of digits are accepted too. */
export function count(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

/**
 * A timestamp as ms since the epoch: ISO text, epoch seconds or epoch ms (numbers below 1e11 are
 * taken as seconds — 1e11 s is in the year 5138, 1e11 ms is in 1973).
 */
export function timestamp(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v < 1e11 ? v * 1000 : v;
  if (typeof v === 'string' && v !== '') {
    if (/^\d+(\.\d+)?$/.test(v)) return timestamp(Number(v));
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

const DEFERRABLE = /\b(batch|offline|cron|nightly|backfill|bulk|scheduled|background)\b/i;

let lastFeature: string | null = null;
let lastFeatureDeferrable = false;

/** True when request metadata marks the traffic as not waited for (tags, a flag, or a low priority). */
export function isDeferrable(meta: Obj | undefined, feature: string | null): boolean {
  if (feature !== null) {
    // Consecutive lines mostly share a feature: test its name once.
    if (feature !== lastFeature) {
      lastFeature = feature;
      lastFeatureDeferrable = DEFERRABLE.test(feature);
    }
    if (lastFeatureDeferrable) return true;
  }
  if (!meta) return false;
  if (meta.batch === true || meta.offline === true || meta.cron === true) return true;
  const tags = meta.tags;
  if (Array.isArray(tags) && tags.some((t) => typeof t === 'string' && DEFERRABLE.test(t))) return true;
  if (typeof tags === 'string' && DEFERRABLE.test(tags)) return true;
  for (const k of ['priority', 'latency', 'mode', 'trigger', 'source']) {
    const v = meta[k];
    if (typeof v === 'string' && (DEFERRABLE.test(v) || /^(low|async|deferred)$/i.test(v))) return true;
  }
  return false;
}
