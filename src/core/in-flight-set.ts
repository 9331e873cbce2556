/**
 * The requests (or anything per request) a long-lived object must be able to list while they are in flight:
 * a doubly linked list whose nodes the caller keeps, with O(1) add and remove — instead of a Map or Set.
 *
 * Why not a Map: a long-lived Map lives in V8's old generation, and one that takes and drops an entry per
 * request rehashes into a new table every few dozen operations. The table it leaves behind still points at
 * the entries it held, and V8's scavenges treat every old-to-young pointer as a root until the next
 * mark-compact, so each request those stale tables saw — its response, closures, buffers, everything they
 * reach — survives the young generation and is promoted as garbage. Measured on the gateway: the shutdown
 * tracker's Map alone made ~4 of the ~7 KB promoted per request (BENCHMARKS.md, issue 14, Memory). A
 * removed node drops its value and links, so nothing stale points at a finished request.
 */
export interface InFlightNode<T> {
  value: T | undefined;
  prev: InFlightNode<T> | null;
  next: InFlightNode<T> | null;
}

export class InFlightSet<T> {
  #head: InFlightNode<T> | null = null;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds `value`; keep the node to remove it. */
  add(value: T): InFlightNode<T> {
    const node: InFlightNode<T> = { value, prev: null, next: this.#head };
    if (this.#head !== null) this.#head.prev = node;
    this.#head = node;
    this.#size += 1;
    return node;
  }

  /** Removes the node (once; a second call does nothing) and clears it. */
  remove(node: InFlightNode<T>): void {
    if (node.value === undefined) return;
    if (node.prev !== null) node.prev.next = node.next;
    else if (this.#head === node) this.#head = node.next;
    if (node.next !== null) node.next.prev = node.prev;
    node.value = undefined;
    node.prev = null;
    node.next = null;
    this.#size -= 1;
  }

  /** The values now in flight (a copy: removing while iterating is safe). */
  values(): T[] {
    const out: T[] = [];
    for (let n = this.#head; n !== null; n = n.next) out.push(n.value as T);
    return out;
  }
}
