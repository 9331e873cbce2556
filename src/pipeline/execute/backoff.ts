/**
 * Retry timing: exponential backoff with jitter, and the provider's `retry-after` honoured up to a cap.
 * Jitter is "equal jitter" (half fixed, half random), so retries from many requests spread out but none
 * comes back immediately. A `retry-after` above the cap means waiting would not help this request:
 * the caller moves on to the next target instead.
 */
import type { CallSignal } from '../../core/call-signal.js';
import type { RetryPolicy } from './plan.js';

/** Milliseconds to wait before retry number `attempt` (0-based), or null to skip to the next target. */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number | null {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = exp / 2 + (exp / 2) * random();
  if (retryAfterMs === null) return Math.round(jittered);
  if (retryAfterMs > policy.retryAfterCapMs) return null;
  return Math.round(Math.max(jittered, retryAfterMs));
}

/** `retry-after` as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return null;
  const s = Number(v);
  if (Number.isFinite(s)) return s < 0 ? null : Math.round(s * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

/** Resolves after `ms`, or early (false) when the signal aborts. */
export function sleep(ms: number, signal?: CallSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
