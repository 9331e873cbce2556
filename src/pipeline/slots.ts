/**
 * Typed context slots: what each stage decided, in place of an untyped `meta` bag. A module defines its
 * slot once (`defineSlot<RouteMeta>('route')`) and exports it; only code that imports the slot can read or
 * write it, so a read of something nothing writes does not compile. Settle writes every slot's value to
 * the ledger entry's `meta` under the slot's key (insertion order), after letting slots that show money
 * add the settled amounts (`onSettle`) — stages never compute money themselves.
 */
import type { Settlement } from './settle/settlement.js';

export interface Slot<T> {
  /** The key under the ledger entry's `meta`. */
  readonly key: string;
  /** Adds settled amounts to the value just before it is written (e.g. the route's `savedUsd`). */
  readonly onSettle?: (value: T, settlement: Settlement) => void;
}

const keys = new Set<string>();

export function defineSlot<T>(
  key: string,
  opts: { onSettle?: (value: T, s: Settlement) => void } = {},
): Slot<T> {
  if (keys.has(key)) throw new TypeError(`context slot "${key}" is defined twice`);
  keys.add(key);
  return Object.freeze({ key, ...(opts.onSettle ? { onSettle: opts.onSettle } : {}) });
}

/** A slot value computed when it is first read (see `Slots.setLater`). */
class Later<T> {
  constructor(readonly compute: () => T) {}
}

export class Slots {
  private readonly values = new Map<Slot<never>, unknown>();

  get<T>(slot: Slot<T>): T | undefined {
    const v = this.values.get(slot as Slot<never>);
    return (v instanceof Later ? this.settleLater(slot as Slot<never>, v) : v) as T | undefined;
  }

  set<T>(slot: Slot<T>, value: T): T {
    this.values.set(slot as Slot<never>, value);
    return value;
  }

  /**
   * A value computed on its first read (`get`, or the ledger's `meta` at settle) instead of now, keeping its
   * place in `meta`'s key order: work that only the ledger entry needs (the prompt hash) then runs after the
   * client's answer has been written instead of before the upstream call. `compute` must read only what no
   * stage changes afterwards (e.g. `ctx.original`, the request as sent).
   */
  setLater<T>(slot: Slot<T>, compute: () => T): void {
    this.values.set(slot as Slot<never>, new Later(compute));
  }

  private settleLater(slot: Slot<never>, later: Later<unknown>): unknown {
    const v = later.compute();
    this.values.set(slot, v);
    return v;
  }

  delete<T>(slot: Slot<T>): void {
    this.values.delete(slot as Slot<never>);
  }

  /** The ledger entry's `meta`: every slot's value by key, after the slots' settle hooks; undefined when empty. */
  toMeta(settlement: Settlement): Record<string, unknown> | undefined {
    if (this.values.size === 0) return undefined;
    const meta: Record<string, unknown> = {};
    for (const [slot, stored] of this.values) {
      const value = stored instanceof Later ? this.settleLater(slot, stored) : stored;
      (slot as Slot<unknown>).onSettle?.(value, settlement);
      meta[slot.key] = value;
    }
    return meta;
  }
}
