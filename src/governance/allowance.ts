/**
 * Leased allowances: budget and rate-limit admission in process, exact across instances.
 *
 * Instead of one store round trip per request, each gateway leases an allowance on a counter from the store
 * (`CounterStore.lease`: a reservation under the gateway's holder id, granted only while
 * spent + reserved ≤ limit, atomically — a Lua script on Redis, a transaction on SQLite) and admits calls
 * against it locally: a call fits when its worst case fits in the allowance not yet used by calls in flight
 * or by spend not yet written. Settlement is local too; the spend is written behind, all counters of a tick
 * in one store call, as a cumulative total per (holder, counter) so a retried call never books twice and a
 * failed one loses nothing (it stays in memory and is retried with backoff). Only a call that does not fit
 * waits for a store call — which batches every waiting call, so a burst costs one round trip.
 *
 * Lease ahead: an allowance is topped up in the background when its free part drops below half of what the
 * last lease granted beyond the calls it covered, so while the store has room no admission waits for it; and a
 * store call that goes out anyway (the write-behind) refills every allowance in use whose grant is partly used,
 * so under steady traffic top-ups ride on the writes instead of making store calls of their own. An
 * allowance is sized by the counter's traffic: `calls` × the largest call seen, or, when more, what settled
 * spend drew from it in the last `horizonMs` at its recent rate (so at thousands of calls a second a lease
 * lasts about `horizonMs`, not a few ms) — at most a quarter of the room left either way.
 *
 * Why budgets still cannot be overspent: the store never grants an allowance that does not fit (summed over
 * every gateway's allowances and reservations), and a gateway never admits past its allowance. The price is
 * that an allowance held but unused by one gateway is unavailable to the others: a call can be refused while
 * up to the other gateways' unused allowances are left — each beyond its calls in flight at most the larger of
 * `calls` × the largest call seen on the counter and `horizonMs` of its recent spend, and at most a quarter of
 * the room left when it was granted — until they are returned (after `idleMs` unused, at shutdown, or by
 * expiry `ttlMs` after a gateway dies).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type {
  CounterSnapshot,
  CounterStore,
  LeaseLine,
  ReserveLine,
  ReserveResult,
  SettleLine,
  WindowSpec,
} from './counter-store.js';

export interface AllowanceOptions {
  /** An allowance asks for this many calls' worst case beyond what the waiting calls need. */
  calls: number;
  /** An allowance unused this long is returned to the store. */
  idleMs: number;
  /** An allowance also covers this many ms of the counter's recent spend rate (default 100). */
  horizonMs?: number;
  /** Settled spend is written within this many ms (all counters together); admissions never wait for it. */
  writeBehindMs?: number;
  /** An allowance expires this long after the last store call that renewed it (a dead gateway's is freed). */
  ttlMs: number;
  /** Now by the store's clock (snapshots' `now`). */
  now: () => number;
  onError: (what: string, e: unknown) => void;
  /** After each store call that succeeded: the counters it wrote, and this gateway's view of each. */
  onWritten?: (keys: readonly string[], view: (key: string) => CounterSnapshot) => void;
  holder?: string;
}

interface Slot {
  key: string;
  window: WindowSpec;
  /** The limit calls last asked for. */
  limit: number | null;
  /** The limit the allowance was granted under (undefined: never granted). */
  grantedUnder: number | null | undefined;
  held: number;
  inflight: number;
  /** Settled by this gateway on the counter, cumulative; `booked` of it is known to be in the store. */
  spentTotal: number;
  booked: number;
  /**
   * This slot's count (LeaseLine.epoch): a slot forgotten by the sweep and made again counts its spend from 0,
   * so it must not be compared with the total the store booked for the slot before it.
   */
  epoch: number;
  /** The largest single call seen (sizes the allowance). */
  unit: number;
  need: number;
  /** Local clock; the allowance is not used after this. */
  usableUntil: number;
  lastUsed: number;
  /** Spent and reserved by others (other gateways' allowances and reservations) at the last store call. */
  spent: number;
  others: number;
  resetAt: number | null;
  /** Admission paused while the allowance is being returned. */
  returning: boolean;
  /** Free allowance the last lease granted beyond the calls it covered; a top-up starts below half of it. */
  grant: number;
  /** A top-up is wanted (lease ahead) / a store call including this counter is in flight. */
  ahead: boolean;
  leasing: boolean;
  /** Recent settled spend per ms, sampled at store calls (sizes the allowance). */
  rate: number;
  rateAt: number;
  rateTotal: number;
}

interface Waiting {
  id: string;
  lines: readonly ReserveLine[];
  resolve: (r: ReserveResult) => void;
  reject: (e: unknown) => void;
  /** Store calls this call has already waited for and still did not fit after (see leaseOnce). */
  retries: number;
}

/** How many more store calls a waiting call that the store has room for may wait for before it is refused. */
const MAX_LEASE_RETRIES = 3;

interface FollowUp {
  lines: readonly SettleLine[];
  then: (snaps: CounterSnapshot[]) => void;
}

/**
 * A call admitted in process: the counters it holds room on, `lines[i].amount` on `slots[i]` (its own
 * reservation lines, kept as they are rather than copied per line: this is made for every call).
 */
interface Held {
  slots: Array<Slot | null>;
  lines: readonly ReserveLine[];
}

/** The snapshot of a line the caller said it does not read (admitNow's `views`): NaN if it ever were. */
const UNREAD: CounterSnapshot = Object.freeze({ spent: Number.NaN, reserved: Number.NaN, resetAt: null });

const free = (s: Slot) => s.held - s.inflight - (s.spentTotal - s.booked);
const DEFAULT_HORIZON_MS = 100;

export class Allowances {
  readonly holder: string;
  private readonly slots = new Map<string, Slot>();
  private readonly taken = new Map<string, Held>();
  private queue: Waiting[] = [];
  private readonly dirty = new Set<Slot>();
  private followUps: FollowUp[] = [];
  private busy = false;
  private scheduled = false;
  private closing = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly timer: NodeJS.Timeout;
  /** Store calls made (for tests and metrics). */
  calls = 0;
  /** Admissions that waited for a store call (the rest were admitted in process). */
  waited = 0;
  /** Store calls started to top up an allowance before it ran out. */
  aheadCalls = 0;
  private aheadPending = 0;

  constructor(
    private readonly store: CounterStore,
    private readonly opts: AllowanceOptions,
  ) {
    this.holder =
      opts.holder ?? `g:${hostname().slice(0, 40)}:${process.pid}:${randomBytes(6).toString('hex')}`;
    this.timer = setInterval(this.sweep, Math.max(20, Math.min(opts.idleMs, opts.ttlMs / 4)));
    this.timer.unref();
  }

  /** Reserves every line or none; resolves like CounterStore.reserve (rejects when the store fails). */
  reserve(id: string, lines: readonly ReserveLine[]): Promise<ReserveResult> {
    const admitted = this.admitNow(id, lines);
    if (admitted) return Promise.resolve(admitted);
    this.waited++;
    return new Promise((resolve, reject) => {
      this.queue.push({ id, lines, resolve, reject, retries: 0 });
      this.schedule();
    });
  }

  /**
   * The reservation when every line fits its allowance now (admitted in process), else null. `local` and
   * `storeNow`: the caller's reading of the local clock and of the store's (one reading per request).
   * `views`: only the first `views` lines' snapshots are read by the caller (the rest are UNREAD, no object
   * made per line — a guarded request's budget lines are never looked at when it is admitted).
   */
  admitNow(
    id: string,
    lines: readonly ReserveLine[],
    local = Date.now(),
    storeNow = this.opts.now(),
    views = lines.length,
  ): ReserveResult | null {
    if (this.taken.has(id)) return this.ok(lines, storeNow, views);
    if (!this.closing && this.take(id, lines, local)) return this.ok(lines, storeNow, views);
    return null;
  }

  /** Replaces reservation `id` by the actual amounts; the spend is written behind. */
  settle(id: string, lines: readonly SettleLine[], then?: (snaps: CounterSnapshot[]) => void): void {
    const held = this.taken.get(id);
    if (held) this.taken.delete(id);
    const now = Date.now();
    for (const line of lines) {
      const slot = this.slot(line.key, line.window);
      if (held) {
        // Released once (held.slots[j] cleared): a counter settled twice releases its hold only once.
        const j = held.slots.indexOf(slot);
        if (j >= 0) {
          slot.inflight = Math.max(0, slot.inflight - held.lines[j]!.amount);
          held.slots[j] = null;
        }
      }
      slot.spentTotal += line.actual;
      slot.lastUsed = now;
      this.dirty.add(slot);
      this.topUp(slot);
    }
    // Held counters the settlement did not name are released without spend.
    if (held)
      for (let j = 0; j < held.slots.length; j++) {
        const s = held.slots[j];
        if (s) s.inflight = Math.max(0, s.inflight - held.lines[j]!.amount);
      }
    if (then) this.followUps.push({ lines, then });
    this.scheduleWrite();
  }

  /** Writes all spend not yet written; with `returnAll`, gives every allowance back (shutdown). */
  async flush(returnAll = false, timeoutMs = 5000): Promise<void> {
    if (returnAll) this.closing = true;
    const until = Date.now() + timeoutMs;
    for (;;) {
      for (const s of this.slots.values())
        if (s.spentTotal > s.booked || (returnAll && s.held > s.inflight)) this.dirty.add(s);
      if (this.dirty.size === 0 && this.queue.length === 0 && !this.busy) return;
      if (Date.now() > until) {
        const unwritten = [...this.slots.values()].reduce((a, s) => a + (s.spentTotal - s.booked), 0);
        this.opts.onError(
          'writing spend at shutdown',
          new Error(`the store did not answer within ${timeoutMs} ms; ${unwritten} units of spend unwritten`),
        );
        return;
      }
      this.schedule(true);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async close(): Promise<void> {
    await this.flush(true);
    clearInterval(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.writeTimer) clearTimeout(this.writeTimer);
  }

  /** The local view of a counter (spent including spend not yet written; others' holds plus our calls). */
  view(key: string): CounterSnapshot {
    const s = this.slots.get(key);
    if (!s) return { spent: 0, reserved: 0, resetAt: null };
    return {
      spent: s.spent + (s.spentTotal - s.booked),
      reserved: s.others + s.inflight,
      resetAt: s.resetAt,
    };
  }

  /**
   * A store snapshot as this gateway sees it: plus its spend not yet written, and with its own allowance
   * counted as the calls in flight it covers (other gateways' allowances stay in `reserved`).
   */
  adjust(key: string, snap: CounterSnapshot): CounterSnapshot {
    const s = this.slots.get(key);
    if (!s) return snap;
    return {
      spent: snap.spent + (s.spentTotal - s.booked),
      reserved: Math.max(0, snap.reserved - s.held + s.inflight),
      resetAt: snap.resetAt,
    };
  }

  private ok(lines: readonly ReserveLine[], now = this.opts.now(), read = lines.length): ReserveResult {
    const views = new Array<CounterSnapshot>(lines.length);
    for (let i = 0; i < views.length; i++) views[i] = i < read ? this.view(lines[i]!.key) : UNREAD;
    return { ok: true, now, lines: views };
  }

  private slot(key: string, window: WindowSpec): Slot {
    let s = this.slots.get(key);
    if (!s) {
      s = {
        key,
        window,
        limit: null,
        grantedUnder: undefined,
        held: 0,
        inflight: 0,
        spentTotal: 0,
        booked: 0,
        epoch: ++this.epochs,
        unit: 0,
        need: 0,
        usableUntil: 0,
        lastUsed: Date.now(),
        spent: 0,
        others: 0,
        resetAt: null,
        returning: false,
        grant: 0,
        ahead: false,
        leasing: false,
        rate: 0,
        rateAt: Date.now(),
        rateTotal: 0,
      };
      this.slots.set(key, s);
    }
    return s;
  }

  /** Whether the allowance may admit a call under `limit` (a lowered limit needs the store). */
  private usable(s: Slot, limit: number | null, now: number): boolean {
    if (s.returning || now >= s.usableUntil || s.grantedUnder === undefined) return false;
    if (limit === null) return true;
    return s.grantedUnder !== null && limit >= s.grantedUnder;
  }

  /** Admits the call locally if every line fits its allowance. */
  private take(id: string, lines: readonly ReserveLine[], now = Date.now()): boolean {
    // Sized up front (an array grown by push gets room for 17): one per admitted call.
    const slots = new Array<Slot>(lines.length);
    let fits = true;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      const s = this.slot(l.key, l.window);
      s.limit = l.limit;
      s.window = l.window;
      if (l.amount > s.unit) s.unit = l.amount;
      slots[i] = s;
      if (l.amount > 0 && !(this.usable(s, l.limit, now) && free(s) >= l.amount)) fits = false;
    }
    if (!fits) return false;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      s.inflight += lines[i]!.amount;
      s.lastUsed = now;
    }
    this.taken.set(id, { slots, lines });
    for (const s of slots) this.topUp(s);
    return true;
  }

  /** Lease ahead: starts a top-up when the free allowance drops below half of the last grant. */
  private topUp(s: Slot): void {
    if (s.ahead || s.leasing || s.grant <= 0 || this.closing || free(s) * 2 >= s.grant) return;
    s.ahead = true;
    this.aheadPending++;
    this.dirty.add(s);
    // Started at once (a microtask, not the next turn): calls arriving back to back must not run it dry first.
    this.schedule(true);
  }

  private writeTimer: NodeJS.Timeout | null = null;
  /** The last slot epoch handed out (LeaseLine.epoch; unique per holder, which is unique per process). */
  private epochs = 0;

  /** Spend only: written behind, every counter of the interval in one store call. */
  private scheduleWrite(): void {
    if (this.writeTimer || this.retryTimer) return;
    const ms = this.opts.writeBehindMs ?? 0;
    if (ms <= 0) {
      this.schedule();
      return;
    }
    this.writeTimer = setTimeout(() => {
      this.writeTimer = null;
      this.schedule();
    }, ms);
    this.writeTimer.unref();
  }

  private schedule(now = false): void {
    if (this.busy || this.scheduled || this.retryTimer) return;
    this.scheduled = true;
    if (now) queueMicrotask(this.run);
    else setImmediate(this.run);
  }

  /** Every `idleMs`: return allowances unused that long, renew those in use, forget empty counters. */
  private readonly sweep = (): void => {
    const now = Date.now();
    for (const s of this.slots.values()) {
      const idle = now - s.lastUsed >= this.opts.idleMs;
      if (s.held > s.inflight && idle) this.dirty.add(s);
      else if (s.held > 0 && now >= s.usableUntil - this.opts.ttlMs / 4) this.dirty.add(s);
      else if (
        idle &&
        s.held === 0 &&
        s.inflight === 0 &&
        s.spentTotal === s.booked &&
        !this.dirty.has(s) &&
        !this.queue.some((w) => w.lines.some((l) => l.key === s.key))
      )
        this.slots.delete(s.key);
    }
    if (this.dirty.size) this.scheduleWrite();
  };

  private readonly run = async (): Promise<void> => {
    this.scheduled = false;
    if (this.busy) return;
    this.busy = true;
    try {
      await this.leaseOnce();
    } finally {
      this.busy = false;
    }
    if (this.retryTimer) return;
    if (this.aheadPending > 0) this.schedule(true);
    else if (this.queue.length) this.schedule();
    else if (this.dirty.size) this.scheduleWrite();
  };

  private async leaseOnce(): Promise<void> {
    const now = Date.now();
    // Calls that fit now (settlements freed room) need no store call.
    const waiting = this.queue.filter((w) => {
      if (!this.closing && this.take(w.id, w.lines)) {
        w.resolve(this.ok(w.lines));
        return false;
      }
      return true;
    });
    this.queue = [];
    for (const w of waiting)
      for (const l of w.lines) {
        const s = this.slot(l.key, l.window);
        s.need += l.amount;
        this.dirty.add(s);
      }
    const slots = [...this.dirty];
    this.dirty.clear();
    if (slots.length === 0) return;
    // This store call writes every counter's unwritten spend (a top-up carries it too), so a pending
    // write-behind has nothing older left to write: the next settlement starts its own writeBehindMs. Top-ups
    // and writes then share store calls instead of each running on its own clock.
    if (this.writeTimer) {
      clearTimeout(this.writeTimer);
      this.writeTimer = null;
    }
    const lines: LeaseLine[] = [];
    const sent: Array<{
      keep: number;
      total: number;
      inflight: number;
      need: number;
      asked: boolean;
      /** The free allowance a top-up or waiting call aimed for (null: a write only). */
      target: number | null;
    }> = [];
    let ahead = 0;
    for (const s of slots) {
      this.sampleRate(s, now);
      const unwritten = s.spentTotal - s.booked;
      const stale =
        now >= s.usableUntil ||
        (s.limit !== null && (s.grantedUnder === null || (s.grantedUnder ?? 0) > s.limit));
      s.returning = s.need === 0 && (this.closing || now - s.lastUsed >= this.opts.idleMs);
      // An allowance that expired, or was granted under a higher limit, keeps only what calls in flight hold.
      const keep = s.returning || stale ? s.inflight : Math.max(0, s.held - unwritten);
      let want = keep;
      // A store call that goes out anyway (the write-behind, another counter's top-up) also refills an
      // allowance in use once part of its last grant is used, to the same size a top-up asks for: top-ups then
      // ride on the writes instead of making store calls of their own (each counter's half-grant mark falls
      // at its own time, so they rarely coincide).
      const refill = s.grant > 0 && free(s) < s.grant;
      const topUp = (s.ahead || refill) && !s.returning && !this.closing;
      if (s.ahead) {
        s.ahead = false;
        this.aheadPending--;
        if (topUp) ahead++;
      }
      // Asking: the calls in flight, the waiting calls and `extra` more (what is already free counts toward it).
      let target: number | null = null;
      if ((s.need > 0 || topUp) && !this.closing) {
        target = this.extra(s, keep);
        want = Math.max(keep, s.inflight + s.need + target);
      }
      s.leasing = true;
      lines.push({
        key: s.key,
        window: s.window,
        spentTotal: s.spentTotal,
        epoch: s.epoch,
        keep,
        want,
        limit: s.limit,
      });
      sent.push({
        keep,
        total: s.spentTotal,
        inflight: s.inflight,
        need: s.need,
        asked: want > keep,
        target,
      });
    }
    const followUps = this.followUps;
    this.followUps = [];
    this.calls++;
    if (ahead > 0 && waiting.length === 0) this.aheadCalls++;
    let granted: Awaited<ReturnType<CounterStore['lease']>>;
    try {
      granted = await this.store.lease(this.holder, lines, this.opts.ttlMs);
    } catch (e) {
      this.failures++;
      this.opts.onError('leasing budget allowance (spend kept in memory, retried)', e);
      slots.forEach((s, i) => {
        // Whether or not the store applied the call, this is what it holds for us in its own accounting.
        s.held = sent[i]!.keep + (sent[i]!.total - s.booked);
        s.need = 0;
        s.returning = false;
        s.leasing = false;
        // A top-up that failed is asked for again with the retry (calls meanwhile use what is left).
        if (sent[i]!.asked && !this.closing && !s.ahead) {
          s.ahead = true;
          this.aheadPending++;
        }
        if (s.spentTotal > s.booked || s.held > 0) this.dirty.add(s);
      });
      this.followUps = [...followUps, ...this.followUps];
      for (const w of waiting) w.reject(e);
      const wait = Math.min(5000, 50 * 2 ** Math.min(this.failures, 7));
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.schedule();
      }, wait);
      this.retryTimer.unref();
      return;
    }
    this.failures = 0;
    const clockAt = new Set<string>();
    slots.forEach((s, i) => {
      const g = granted.lines[i]!;
      s.held = g.held;
      s.booked = sent[i]!.total;
      s.grantedUnder = lines[i]!.limit;
      s.usableUntil = now + (this.opts.ttlMs * 3) / 4;
      s.spent = g.spent;
      s.others = Math.max(0, g.reserved - g.held);
      s.resetAt = g.resetAt;
      // A returned allowance is not topped up again until a call needs it.
      if (s.returning) s.grant = 0;
      s.returning = false;
      s.leasing = false;
      // What this lease made free beyond the calls it covered (a top-up starts when half of it is used).
      const x = sent[i]!;
      if (x.asked) s.grant = g.clock ? 0 : Math.max(0, g.held - x.inflight - x.need);
      // Already more free than the target (the rate fell): the target is the new mark, or top-ups would loop.
      else if (x.target !== null) s.grant = Math.min(s.grant, x.target);
      s.need = 0;
      if (g.clock) clockAt.add(s.key);
    });
    const retry: Waiting[] = [];
    for (const w of waiting) {
      const clock = w.lines.findIndex((l) => clockAt.has(l.key));
      if (clock >= 0) {
        w.resolve({ ok: false, reason: 'clock', now: granted.now, index: clock });
        continue;
      }
      if (!this.closing && this.take(w.id, w.lines)) {
        w.resolve(this.ok(w.lines));
        continue;
      }
      // Calls admitted while the store call was out may have used the room it asked for this call (they
      // take the allowance's free part, which the request counted as kept). When the counter still has room
      // for the call by the store's own figures, it waits for one more store call instead of being refused
      // by a budget or rate limit it does not reach — a bounded number of times.
      if (!this.closing && w.retries < MAX_LEASE_RETRIES && w.lines.every((l) => this.storeHasRoom(l))) {
        w.retries++;
        retry.push(w);
        continue;
      }
      const t = Date.now();
      let index = w.lines.findIndex((l) => {
        const s = this.slots.get(l.key)!;
        return l.amount > 0 && !(this.usable(s, l.limit, t) && free(s) >= l.amount);
      });
      if (index < 0) index = 0;
      w.resolve({
        ok: false,
        reason: 'over',
        now: granted.now,
        index,
        snapshot: this.view(w.lines[index]!.key),
      });
    }
    // Asked for again by run() once this store call is done (the queue is not empty).
    if (retry.length) this.queue.push(...retry);
    if (this.opts.onWritten) {
      try {
        this.opts.onWritten(
          slots.map((s) => s.key),
          (key) => this.view(key),
        );
      } catch (e) {
        this.opts.onError('a store call follow-up', e);
      }
    }
    // One view per counter for every follow-up of this store call (a write carries a few hundred calls'
    // settlements at high traffic, on the same few counters); follow-ups only read them.
    const views = new Map<string, CounterSnapshot>();
    const viewOnce = (l: SettleLine) => {
      let v = views.get(l.key);
      if (v === undefined) {
        v = this.view(l.key);
        views.set(l.key, v);
      }
      return v;
    };
    for (const f of followUps) {
      try {
        f.then(f.lines.map(viewOnce));
      } catch (e) {
        this.opts.onError('a settlement follow-up', e);
      }
    }
    // Calls admitted while the store call was in flight may already have used half of the new grant.
    for (const s of slots) this.topUp(s);
  }

  /**
   * Whether the store, as of the last lease, has room on `l`'s counter for `l` beyond what this gateway holds
   * in flight: settled spend, others' reservations, our calls in flight and our unwritten spend, under the limit.
   */
  private storeHasRoom(l: ReserveLine): boolean {
    if (l.amount <= 0 || l.limit === null) return true;
    const s = this.slots.get(l.key);
    if (!s) return false;
    return l.limit - s.spent - s.others - s.inflight - (s.spentTotal - s.booked) >= l.amount;
  }

  /** The counter's recent settled spend per ms (half the weight on the newest sample). */
  private sampleRate(s: Slot, now: number): void {
    const dt = now - s.rateAt;
    if (dt < 10) return;
    const r = Math.max(0, s.spentTotal - s.rateTotal) / dt;
    s.rate = dt >= 1000 ? r : (s.rate + r) / 2;
    s.rateAt = now;
    s.rateTotal = s.spentTotal;
  }

  /**
   * Allowance asked for beyond the calls in flight and waiting: `calls` calls' worth, or `horizonMs` of the
   * counter's recent spend when more; at most a quarter of the room left.
   */
  private extra(s: Slot, keep: number): number {
    const calls = Math.max(
      this.opts.calls * s.unit,
      Math.ceil(s.rate * (this.opts.horizonMs ?? DEFAULT_HORIZON_MS)),
    );
    if (s.limit === null) return calls;
    const known = s.grantedUnder !== undefined;
    const room = known ? s.limit - s.spent - s.others - keep - s.need : s.limit;
    return Math.max(0, Math.min(calls, Math.floor(room / 4)));
  }
}
