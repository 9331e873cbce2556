/**
 * The rows of a store in order of expiry, in memory: a binary min-heap on (expiresAt, rowid). The SQLite
 * store pops the rows closest to expiry from it to reuse them for new keys or to delete them, instead of
 * keeping an index of the table on `expires_at` (which every stored row had to update: ~1.5 of ~4.5 µs of
 * CPU per row). Entries are never removed from the middle: a row whose key moved on (replaced, deleted, given
 * to another key) stays in the heap, and the owner skips it when it comes up (`live`); `compact` drops such
 * entries once they outnumber the live ones, so the heap stays within twice the store's keys.
 */

/** A key's row in the table and when it expires. A new object whenever either changes. */
export interface RowRef {
  readonly key: string;
  readonly id: number;
  readonly expiresAt: number;
}

export class ExpiryHeap {
  private items: RowRef[] = [];

  get size(): number {
    return this.items.length;
  }

  /** Adds one row. */
  push(row: RowRef): void {
    const a = this.items;
    a.push(row);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(row, a[parent]!)) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = row;
  }

  /** The row closest to expiry, without removing it. */
  peek(): RowRef | undefined {
    return this.items[0];
  }

  /** Removes and returns the row closest to expiry. */
  pop(): RowRef | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      this.down(0);
    }
    return top;
  }

  /** Keeps only the rows `live` accepts (a linear rebuild). */
  compact(live: (row: RowRef) => boolean): void {
    this.items = this.items.filter(live);
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  clear(): void {
    this.items = [];
  }

  private down(from: number): void {
    const a = this.items;
    const n = a.length;
    const row = a[from]!;
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(a[r]!, a[l]!) ? r : l;
      if (!before(a[c]!, row)) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = row;
  }
}

function before(a: RowRef, b: RowRef): boolean {
  return a.expiresAt < b.expiresAt || (a.expiresAt === b.expiresAt && a.id < b.id);
}
