/**
 * Keeps a Prometheus label's cardinality bounded: the first `max` distinct values are kept as they are,
 * every later one is reported as "other". Feature and user names come from request headers, so without
 * this one client could create unbounded time series. Values are also cut to MAX_LABEL_LENGTH characters.
 */
import { boundText } from '../core/bounded-text.js';
export const OTHER = 'other';
export const NONE_LABEL = '(none)';
/** Longest label value kept; longer ones are cut (a 9 MB model name must not become a 9 MB label). */
export const MAX_LABEL_LENGTH = 128;

export class BoundedLabel {
  readonly #seen = new Set<string>();
  constructor(readonly max: number) {}

  value(raw: string | null): string {
    const v = raw === null || raw === '' ? NONE_LABEL : boundText(raw, MAX_LABEL_LENGTH);
    if (this.#seen.has(v)) return v;
    if (this.#seen.size >= this.max) return OTHER;
    this.#seen.add(v);
    return v;
  }
}
