/**
 * A value read from a store and trusted for `maxAgeMs` (a virtual key's record, the budgets set with the
 * CLI), kept fresh off the request path: served from memory while younger than `maxAgeMs`, re-read in the
 * background once it is past half of that, and awaited only when it is older (idle traffic, a store slower
 * than half the age) or was never read. So under steady traffic no request waits for the store, and no
 * request is ever served a value older than `maxAgeMs` — the promise "a revoked key is refused, a budget set
 * with the CLI applies, within keyCacheMs / refreshMs" holds as it did with a plain cache.
 *
 * Age is counted from the moment a read started (the store may have changed at any time during it). With
 * `maxAgeMs` 0 every get reads the store. A failed read leaves the previous value (and its age) in place; a
 * background read's failure goes to `onError`, an awaited one's to the caller.
 */
export class RefreshAhead<T> {
  private value: T | undefined;
  private has = false;
  /** When the read that produced `value` started. */
  private at = Number.NEGATIVE_INFINITY;
  private pending: Promise<T> | null = null;
  private pendingAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly onError: (e: unknown) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  /** The value when it may be served without waiting (a re-read starts when it is past half its age). */
  current(): { value: T } | null {
    return this.servable() ? { value: this.value as T } : null;
  }

  /**
   * The value, read from the store first when it is too old to serve. Asked on every request (a key's record,
   * the budgets), so it answers without the wrapper object `current` makes.
   */
  get(): T | Promise<T> {
    return this.servable() ? (this.value as T) : this.refresh();
  }

  /** Whether `value` may be served now; starts a re-read in the background once it is past half its age. */
  private servable(): boolean {
    if (!this.has) return false;
    const age = this.now() - this.at;
    if (age >= this.maxAgeMs) return false;
    if (age * 2 >= this.maxAgeMs && this.pending === null) this.refresh().catch(this.onError);
    return true;
  }

  /** Reads now; joins a read in flight that started recently enough to be served. */
  refresh(): Promise<T> {
    const t = this.now();
    if (this.pending !== null && t - this.pendingAt < this.maxAgeMs) return this.pending;
    const p = this.read().then(
      (v) => {
        if (t >= this.at) {
          this.value = v;
          this.has = true;
          this.at = t;
        }
        if (this.pending === p) this.pending = null;
        return v;
      },
      (e: unknown) => {
        if (this.pending === p) this.pending = null;
        throw e;
      },
    );
    this.pending = p;
    this.pendingAt = t;
    return p;
  }
}
