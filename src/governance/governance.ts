/**
 * Governance as a running gateway holds it: the two stores (keys and counters, SQLite or Redis), the
 * budgets (config + `penny budgets set`, re-read every `refreshMs`), verified virtual keys (trusted for
 * `keyCacheMs`), the offset of the store's clock, alerts, and the counts /metrics exposes. Reservations
 * and settlements go through here so store failures are handled in one place: counted, logged (at most
 * once a minute per kind) and turned into each budget's failMode by the caller.
 */
import { existsSync } from 'node:fs';
import type { LoadedConfig } from '../config/load.js';
import { ConfigError, PennyError } from '../core/errors.js';
import type { Logger } from '../observability/logger.js';
import { AlertSender } from './alerts.js';
import { Allowances } from './allowance.js';
import { type CompiledBudget, compileBudget, keyBudget } from './budget.js';
import { type BudgetRow, budgetRows } from './budget-report.js';
import type { GovernanceConfig } from './config.js';
import type {
  CounterStore,
  ReserveLine,
  ReserveResult,
  SettleLine,
  CounterSnapshot,
} from './counter-store.js';
import type { KeyStore, VirtualKeyRecord } from './key-store.js';
import { type CompiledRateLimit, compileRateLimit } from './rate-limit.js';
import { RedisCounterStore, connectRedis, redisReady } from './redis-counter-store.js';
import { PgKeyStore } from './pg-key-store.js';
import { RedisKeyStore } from './redis-key-store.js';
import { SqliteCounterStore } from './sqlite-counter-store.js';
import { governanceDbPathFor, openGovernanceDb } from './sqlite-db.js';
import { SqliteKeyStore } from './sqlite-key-store.js';
import { RefreshAhead } from './refresh-ahead.js';
import { type Facts, describeScope } from './scope.js';
import { Thresholds } from './thresholds.js';
import { parseVirtualKey, secretMatches } from './virtual-key.js';

/** A presented key text that passed verification: its key id and the record hash it matched. */
interface VerifiedText {
  id: string;
  hash: string;
}

export interface ReserveOptions {
  /**
   * A reservation that may be settled by another instance or after a restart (a deferred job): held in the
   * store itself, not in this gateway's allowance.
   */
  direct?: boolean;
  /**
   * Only the snapshots of the first `views` lines are read when the reservation succeeds: an admission in
   * process then makes none for the rest (see Allowances.admitNow). Default: all.
   */
  views?: number;
}

/** A reservation's result and the lines it was made with. */
export interface Reserved {
  result: ReserveResult;
  lines: ReserveLine[];
}

export interface Stores {
  keys: KeyStore;
  counters: CounterStore;
}

export interface GovernanceStats {
  storeErrors: number;
  failOpen: number;
  refusals: Record<'budget' | 'rate' | 'key' | 'unavailable', number>;
}

/** Where the stores live, from the config (used by the gateway and the CLI alike). */
export function storeLocation(
  loaded: LoadedConfig,
): { kind: 'sqlite'; path: string } | { kind: 'redis'; url: string; prefix: string; timeoutMs: number } {
  const s = loaded.config.governance.store;
  if ('redis' in s)
    return {
      kind: 'redis',
      url: s.redis.url ?? loaded.config.cache.redisUrl,
      prefix: s.redis.keyPrefix,
      timeoutMs: s.redis.commandTimeoutMs,
    };
  return { kind: 'sqlite', path: s.sqlite.path ?? governanceDbPathFor(loaded.ledgerPath) };
}

export function openStores(loaded: LoadedConfig, onError?: (e: Error) => void): Stores {
  const stores = openStoresAt(loaded, onError);
  const pg = loaded.config.governance.keyStore?.postgres;
  if (!pg) return stores;
  const url = pg.url ?? loaded.ledgerUrl;
  if (!url)
    throw new ConfigError(
      'governance.keyStore.postgres.url',
      'a PostgreSQL URL is needed (or ledger.url / PENNY_DATABASE_URL to share the ledger database)',
    );
  // The store's own key store is dropped unused (it shares the SQLite file or Redis client of the counters).
  return {
    keys: new PgKeyStore({ url, schema: pg.schema, ...(onError ? { onError } : {}) }),
    counters: stores.counters,
  };
}

function openStoresAt(loaded: LoadedConfig, onError?: (e: Error) => void): Stores {
  const loc = storeLocation(loaded);
  if (loc.kind === 'redis') {
    const client = connectRedis({
      url: loc.url,
      keyPrefix: '',
      commandTimeoutMs: loc.timeoutMs,
      ...(onError ? { onError } : {}),
    });
    const counters = new RedisCounterStore(client, loc.prefix, true);
    return { keys: new RedisKeyStore(client, loc.prefix, false), counters };
  }
  const db = openGovernanceDb(loc.path);
  return { keys: new SqliteKeyStore(db), counters: new SqliteCounterStore(db) };
}

export class Governance {
  readonly config: GovernanceConfig;
  readonly alerts: AlertSender;
  readonly thresholds: Thresholds;
  readonly rateLimits: readonly CompiledRateLimit[];
  readonly stats: GovernanceStats = {
    storeErrors: 0,
    failOpen: 0,
    refusals: { budget: 0, rate: 0, key: 0, unavailable: 0 },
  };
  private stores: Stores | null = null;
  private readonly configBudgets: CompiledBudget[];
  private cliBudgets: CompiledBudget[] = [];
  /** Config budgets plus CLI budgets, re-read ahead of need (refresh-ahead.ts). */
  private readonly budgetList: RefreshAhead<readonly CompiledBudget[]>;
  /** Key records by id, re-read ahead of need (refresh-ahead.ts); unused when keyCacheMs is 0. */
  private readonly keyCache = new Map<string, RefreshAhead<VirtualKeyRecord | null>>();
  private offset = 0;
  private clockAt = Number.NEGATIVE_INFINITY;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly lastLog = new Map<string, number>();
  private readonly sqlitePath: string | null;

  constructor(
    private readonly loaded: LoadedConfig,
    readonly logger: Logger,
    stores?: Stores,
    /** The clock the key and budget caches age by (tests). */
    private readonly clock: () => number = Date.now,
  ) {
    this.config = loaded.config.governance;
    this.configBudgets = this.config.budgets.map((b) => compileBudget(b, 'config'));
    this.rateLimits = this.config.rateLimits.map(compileRateLimit);
    const loc = storeLocation(loaded);
    this.sqlitePath = loc.kind === 'sqlite' ? loc.path : null;
    if (stores) this.stores = stores;
    else if (
      loc.kind === 'redis' ||
      this.config.keyStore !== undefined ||
      this.required() ||
      existsSync(loc.path)
    )
      this.stores = this.open();
    this.alerts = new AlertSender({
      webhooks: this.config.alerts.webhooks,
      logger,
      maxAttempts: this.config.alerts.maxAttempts,
      timeoutMs: this.config.alerts.timeoutMs,
    });
    this.thresholds = new Thresholds(this);
    this.budgetList = new RefreshAhead(
      () => this.readBudgets(),
      this.config.refreshMs,
      undefined,
      this.clock,
    );
  }

  /** Whether anything is configured that needs the stores from the start. */
  private required(): boolean {
    return this.configBudgets.length > 0 || this.rateLimits.length > 0 || this.config.requireKeys;
  }

  private open(): Stores {
    return openStores(this.loaded, (e) => this.storeError('redis connection', e));
  }

  /** The stores, opened on first need (a SQLite file created later by the CLI is picked up). */
  storesOrNull(): Stores | null {
    if (this.stores) return this.stores;
    if (this.sqlitePath === null || Date.now() - this.lookedAt < Math.max(this.config.refreshMs, 100))
      return null;
    this.lookedAt = Date.now();
    if (existsSync(this.sqlitePath)) this.stores = this.open();
    return this.stores;
  }

  private lookedAt = Number.NEGATIVE_INFINITY;

  get counters(): CounterStore | null {
    return this.storesOrNull()?.counters ?? null;
  }

  /** Waits (up to `timeoutMs`) for a Redis store to connect and reads its clock; failures are logged, not thrown. */
  async ready(timeoutMs = 2000): Promise<void> {
    const c = this.stores?.counters;
    if (!(c instanceof RedisCounterStore)) return;
    try {
      await redisReady(c.client, timeoutMs);
      await this.syncClock(true);
    } catch (e) {
      this.storeError('connecting', e);
    }
  }

  /** Now, by the store's clock. */
  now(): number {
    return Date.now() + this.offset;
  }

  async syncClock(force = false): Promise<void> {
    const c = this.counters;
    if (!c || c.kind === 'sqlite') return;
    if (!force && Date.now() - this.clockAt < 30_000) return;
    this.clockAt = Date.now();
    const t0 = Date.now();
    const server = await c.now();
    this.offset = server - Math.round((t0 + Date.now()) / 2);
  }

  /**
   * The periodic clock resync, off the request path: the store checks every fixed window against its own
   * time when reserving, so a reservation made with a drifted offset is answered `clock` and redone.
   */
  private resyncClockInBackground(counters: CounterStore, local: number): void {
    if (counters.kind === 'sqlite' || local - this.clockAt < 30_000) return;
    this.syncClock().catch((e) => this.storeError('reading the store clock', e));
  }

  /**
   * Config budgets plus budgets set with the CLI (re-read every refreshMs, ahead of need: a value, or a
   * promise only when the list is older than refreshMs).
   */
  budgets(): readonly CompiledBudget[] | Promise<readonly CompiledBudget[]> {
    return this.budgetList.get();
  }

  /** Reads the CLI budgets; a store failure keeps the last list read (and is counted and logged). */
  private async readBudgets(): Promise<readonly CompiledBudget[]> {
    const stores = this.storesOrNull();
    if (stores) {
      try {
        this.cliBudgets = (await stores.keys.listBudgets()).map((b) => compileBudget(b, 'cli'));
      } catch (e) {
        this.storeError('reading budgets', e);
      }
    }
    if (this.cliBudgets.length === 0) return this.configBudgets;
    const names = new Set(this.cliBudgets.map((b) => b.name));
    return [...this.configBudgets.filter((b) => !names.has(b.name)), ...this.cliBudgets];
  }

  /** Every budget that exists, including keys' own (for lists and metrics). */
  async allBudgets(): Promise<CompiledBudget[]> {
    const out = [...(await this.budgets())];
    const stores = this.storesOrNull();
    if (stores) {
      for (const k of await stores.keys.list()) {
        const b = keyBudget(k);
        if (b && k.revokedAt === null) out.push(b);
      }
    }
    return out;
  }

  /** Every budget's state in its current window (CLI list, dashboard, metrics). */
  async rows(perBudget = 50): Promise<BudgetRow[]> {
    return budgetRows(await this.allBudgets(), this.reader(), this.now(), this.config.timeZone, perBudget);
  }

  /**
   * Reads of the counters as this gateway sees them: its spend not yet written is included and its own
   * leased allowance counts only as the calls in flight it covers (see allowance.ts).
   */
  reader(): Pick<CounterStore, 'read' | 'scan'> | null {
    const counters = this.counters;
    if (!counters) return null;
    const a = this.allowances;
    if (!a) return counters;
    return {
      read: async (lines) => (await counters.read(lines)).map((s, i) => a.adjust(lines[i]!.key, s)),
      scan: async (prefix, limit) =>
        (await counters.scan(prefix, limit)).map((r) => ({
          key: r.key,
          snapshot: a.adjust(r.key, r.snapshot),
        })),
    };
  }

  /**
   * Verifies a virtual key; throws a 401 that says why (malformed, unknown, revoked, expired). A value when
   * the key's record is cached, else a promise.
   */
  verify(text: string): VirtualKeyRecord | Promise<VirtualKeyRecord> {
    const known = this.verified.get(text);
    const id = known?.id ?? parseVirtualKey(text)?.id;
    if (id === undefined) {
      this.stats.refusals.key++;
      throw new PennyError(
        'unauthorized',
        'malformed Penny key: expected sk-penny-<12 characters>-<32 characters>',
      );
    }
    const rec = this.lookup(id);
    return rec instanceof Promise
      ? rec.then((r) => this.accept(r, text, known))
      : this.accept(rec, text, known);
  }

  private accept(
    rec: VirtualKeyRecord | null,
    text: string,
    known: VerifiedText | undefined,
  ): VirtualKeyRecord {
    if (!rec || !this.textMatches(rec, text, known)) {
      this.stats.refusals.key++;
      throw new PennyError(
        'unauthorized',
        'unknown Penny key (no such key, or the secret is wrong — was it rotated?)',
      );
    }
    if (rec.revokedAt !== null) {
      this.stats.refusals.key++;
      throw new PennyError(
        'unauthorized',
        `Penny key "${rec.name}" was revoked on ${new Date(rec.revokedAt).toISOString()}`,
      );
    }
    if (rec.expiresAt !== null && rec.expiresAt <= Date.now()) {
      this.stats.refusals.key++;
      throw new PennyError(
        'unauthorized',
        `Penny key "${rec.name}" expired on ${new Date(rec.expiresAt).toISOString()}`,
      );
    }
    return rec;
  }

  /**
   * Key texts already verified, by the presented text itself (bounded; the text is kept nowhere else), with
   * the record hash they were verified against: a text seen before skips the parse, the HMAC and the compare
   * while its record (read ahead, see lookup) keeps that hash. Rotation changes the stored hash, so the text
   * is verified afresh against the new one (and dropped when it fails); revocation and expiry are checked on
   * the record every time. Only a text that passed the HMAC is ever stored, so unknown texts cannot fill it.
   */
  private readonly verified = new Map<string, VerifiedText>();

  private textMatches(rec: VirtualKeyRecord, text: string, known: VerifiedText | undefined): boolean {
    if (known !== undefined && known.id === rec.id && known.hash === rec.hash) return true;
    const parsed = parseVirtualKey(text);
    if (!parsed || parsed.id !== rec.id || !secretMatches(rec, parsed.secret)) {
      if (known !== undefined) this.verified.delete(text);
      return false;
    }
    if (this.verified.size >= 10_000) this.verified.clear();
    this.verified.set(text, { id: rec.id, hash: rec.hash });
    return true;
  }

  /**
   * The key's record: cached (a value), or read from the store (a promise that rejects with a 503 when the
   * store is unreachable).
   */
  private lookup(id: string): VirtualKeyRecord | null | Promise<VirtualKeyRecord | null> {
    let r: VirtualKeyRecord | null | Promise<VirtualKeyRecord | null>;
    if (this.config.keyCacheMs <= 0) r = this.readKey(id);
    else {
      let entry = this.keyCache.get(id);
      if (!entry) {
        if (this.keyCache.size >= 10_000) this.keyCache.clear();
        // A background re-read's failure is counted and logged by readKey; the record stays until it is too old.
        entry = new RefreshAhead(() => this.readKey(id), this.config.keyCacheMs, undefined, this.clock);
        this.keyCache.set(id, entry);
      }
      r = entry.get();
    }
    if (!(r instanceof Promise)) return r;
    return r.catch((e: unknown) => {
      this.stats.refusals.unavailable++;
      throw new PennyError(
        'governance_unavailable',
        'the key store is unreachable, so the key cannot be checked; retry shortly',
        { cause: e, retryable: true },
      );
    });
  }

  private async readKey(id: string): Promise<VirtualKeyRecord | null> {
    const stores = this.storesOrNull();
    if (!stores) return null;
    try {
      return await stores.keys.get(id);
    } catch (e) {
      this.storeError('reading keys', e);
      throw e;
    }
  }

  /**
   * Reserves lines; when a fixed window does not contain the store's time (this instance's clock is off),
   * resyncs the clock and rebuilds the lines once. Throws when the store fails (the caller applies failMode).
   * A value when the leased allowances admit the lines in process (the usual case), else a promise.
   */
  reserve(
    id: string,
    build: (now: number) => ReserveLine[],
    opts?: ReserveOptions,
  ): Reserved | Promise<Reserved> {
    const counters = this.counters;
    if (!counters) throw new Error('no governance store');
    // One reading of the clock for the whole admission (the store's time is it plus the offset).
    const local = Date.now();
    this.resyncClockInBackground(counters, local);
    // `direct`: a reservation that may be settled by another instance or after a restart (a deferred job)
    // is held in the store itself, not in this gateway's allowance.
    const allowances = opts?.direct ? null : this.allowancesFor(counters);
    const now = local + this.offset;
    const lines = build(now);
    const admitted = allowances?.admitNow(id, lines, local, now, opts?.views);
    if (admitted) return { result: admitted, lines };
    return this.reserveInStore(id, build, lines, counters, allowances);
  }

  private async reserveInStore(
    id: string,
    build: (now: number) => ReserveLine[],
    first: ReserveLine[],
    counters: CounterStore,
    allowances: Allowances | null,
  ): Promise<Reserved> {
    const ttl = this.config.reservationTtlSeconds * 1000;
    const reserve = (ls: ReserveLine[]) =>
      allowances ? allowances.reserve(id, ls) : counters.reserve(id, ls, ttl);
    let lines = first;
    let result: ReserveResult;
    try {
      result = await reserve(lines);
    } catch (e) {
      // A timeout may hide a reservation that was made (a busy event loop reads the reply late): reserving
      // is idempotent per id, so one retry is safe.
      this.storeError('reserving (retried once)', e);
      result = await reserve(lines);
    }
    if (!result.ok && result.reason === 'clock') {
      this.offset = result.now - Date.now();
      lines = build(result.now);
      result = await reserve(lines);
    }
    return { result, lines };
  }

  private allowances: Allowances | null = null;

  /** Leased-allowance counters: store calls, those started ahead, admissions that waited for one. */
  allowanceStats(): { storeCalls: number; aheadCalls: number; waited: number } {
    const a = this.allowances;
    return { storeCalls: a?.calls ?? 0, aheadCalls: a?.aheadCalls ?? 0, waited: a?.waited ?? 0 };
  }

  /** The leased allowances over `counters` (null when governance.allowance.calls is 0). */
  private allowancesFor(counters: CounterStore): Allowances | null {
    const cfg = this.config.allowance;
    if (cfg.calls === 0) return null;
    this.allowances ??= new Allowances(counters, {
      calls: cfg.calls,
      idleMs: cfg.idleMs,
      writeBehindMs: cfg.writeBehindMs,
      ttlMs: cfg.ttlSeconds * 1000,
      now: () => this.now(),
      onError: (what, e) => this.storeError(what, e),
      onWritten: (keys, view) => this.thresholds.written(keys, view),
    });
    return this.allowances;
  }

  /**
   * Settles off the request path; `then` sees the counters after settlement (alerts). Settlements queued in
   * the same tick go to the store together (one Lua script or one transaction): budgets stay exact meanwhile
   * because each reservation keeps holding the call's worst case until its settlement lands.
   */
  settle(
    id: string,
    lines: SettleLine[],
    then?: (snaps: CounterSnapshot[]) => void,
    opts?: { direct?: boolean },
  ): void {
    const counters = this.counters;
    if (lines.length === 0 || !counters) return;
    const allowances = opts?.direct ? null : this.allowancesFor(counters);
    if (allowances) {
      allowances.settle(id, lines, then);
      return;
    }
    this.queued.push({ id, lines, then });
    if (this.queued.length === 1) setImmediate(this.flushSettlements);
    else if (this.queued.length >= 256) this.flushSettlements();
  }

  /**
   * Settles a call's budget lines (the first `budgets.length` of `lines`, in order) and what rides with them,
   * then checks the budgets' alert thresholds on the counters as written: through the leased allowances, once
   * per counter per store call (Thresholds.watch), else after this settlement's own store call.
   */
  settleBudgets(id: string, lines: SettleLine[], budgets: readonly CompiledBudget[], facts: Facts): void {
    const counters = this.counters;
    if (lines.length === 0 || !counters) return;
    if (this.allowancesFor(counters)) {
      for (let i = 0; i < budgets.length; i++) this.thresholds.watch(lines[i]!.key, budgets[i]!, facts);
      this.settle(id, lines);
      return;
    }
    this.settle(id, lines, (snaps) =>
      this.thresholds.afterSettle(budgets, lines, snaps.slice(0, budgets.length), (i) =>
        describeScope(budgets[i]!, facts),
      ),
    );
  }

  private queued: Array<{
    id: string;
    lines: SettleLine[];
    then?: ((snaps: CounterSnapshot[]) => void) | undefined;
  }> = [];

  private settleFailures = 0;

  private readonly flushSettlements = (): void => {
    const batch = this.queued;
    if (batch.length === 0) return;
    this.queued = [];
    const counters = this.counters;
    if (!counters) return;
    const p = counters
      .settleMany(batch)
      .then((snaps) => {
        this.settleFailures = 0;
        batch.forEach((op, i) => {
          try {
            op.then?.(snaps[i] ?? []);
          } catch (e) {
            this.logger.error('governance settlement follow-up failed', { error: e });
          }
        });
      })
      .catch((e) => {
        // Not lost: the batch is retried with backoff (a lost reply may book it twice — the safe side).
        this.storeError('settling (kept, retried)', e);
        this.queued = [...batch, ...this.queued];
        this.settleFailures++;
        const wait = Math.min(5000, 50 * 2 ** Math.min(this.settleFailures, 7));
        setTimeout(this.flushSettlements, wait).unref();
      })
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  };

  /** Runs background work tracked for shutdown. */
  track(p: Promise<unknown>): void {
    const q = p
      .catch((e) => this.logger.error('governance background task failed', { error: e }))
      .finally(() => this.pending.delete(q));
    this.pending.add(q);
  }

  storeError(what: string, e: unknown): void {
    this.stats.storeErrors++;
    const last = this.lastLog.get(what) ?? 0;
    if (Date.now() - last < 60_000) return;
    this.lastLog.set(what, Date.now());
    this.logger.error(`governance store error while ${what}`, { error: e, errors: this.stats.storeErrors });
  }

  async drain(): Promise<void> {
    await this.allowances?.flush();
    for (let i = 0; (this.pending.size || this.queued.length) && i < 20; i++) {
      this.flushSettlements();
      await Promise.allSettled([...this.pending]);
    }
    if (this.queued.length)
      this.logger.error('governance settlements could not be written before shutdown', {
        settlements: this.queued.length,
      });
    await this.alerts.drain();
  }

  async close(): Promise<void> {
    await this.drain();
    await this.allowances?.close();
    this.allowances = null;
    const s = this.stores;
    this.stores = null;
    if (s) {
      await s.counters.close();
      await s.keys.close();
    }
  }
}
