/**
 * Turns savings observed over a log into $/month. The month is 30 days; the log's span is the time from
 * its first to its last timestamp. With fewer than two distinct timestamps the log is assumed to cover
 * 30 days (so monthly = observed) and the report says so.
 */
import type { Money } from '../core/money.js';
import type { AuditSpan } from './types.js';

export const DAY_MS = 86_400_000;
export const MONTH_DAYS = 30;
const MONTH_MS = BigInt(MONTH_DAYS * DAY_MS);

export class SpanTracker {
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;
  #withTs = 0;
  #withoutTs = 0;

  add(ts: number | null): void {
    if (ts === null) {
      this.#withoutTs++;
      return;
    }
    this.#withTs++;
    if (ts < this.#min) this.#min = ts;
    if (ts > this.#max) this.#max = ts;
  }

  get withoutTimestamps(): number {
    return this.#withoutTs;
  }

  span(): AuditSpan {
    if (this.#withTs === 0) return { from: null, to: null, days: MONTH_DAYS, assumed: true };
    if (this.#max <= this.#min) return { from: this.#min, to: this.#max, days: MONTH_DAYS, assumed: true };
    return { from: this.#min, to: this.#max, days: (this.#max - this.#min) / DAY_MS, assumed: false };
  }
}

/** Scales an amount observed over `span` to 30 days, exactly (bigint arithmetic, rounded down). */
export function toMonthly(amount: Money, span: AuditSpan): Money {
  if (span.assumed || span.from === null || span.to === null) return amount;
  const ms = BigInt(Math.round(span.to - span.from));
  if (ms <= 0n) return amount;
  return (amount * MONTH_MS) / ms;
}
