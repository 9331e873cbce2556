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

export class Slots {
  private readonly values = new Map<Slot<never>, unknown>();

  get<T>(slot: Slot<T>): T | undefined {
    return this.values.get(slot as Slot<never>) as T | undefined;
  }

  set<T>(slot: Slot<T>, value: T): T {
    this.values.set(slot as Slot<never>, value);
    return value;
  }

  delete<T>(slot: Slot<T>): void {
    this.values.delete(slot as Slot<never>);
  }

  /** The ledger entry's `meta`: every slot's value by key, after the slots' settle hooks; undefined when empty. */
  toMeta(settlement: Settlement): Record<string, unknown> | undefined {
    if (this.values.size === 0) return undefined;
    const meta: Record<string, unknown> = {};
    for (const [slot, value] of this.values) {
      (slot as Slot<unknown>).onSettle?.(value, settlement);
      meta[slot.key] = value;
    }
    return meta;
  }
}
