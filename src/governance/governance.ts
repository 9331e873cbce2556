/**
 * Governance as a running gateway holds it: the two stores (keys and counters, SQLite or Redis), the
 * budgets (config + `penny budgets set`, re-read every `refreshMs`), verified virtual keys (trusted for
 * `keyCacheMs`), the offset of the store's clock, alerts, and the counts /metrics exposes. Reservations
 * and settlements go through here so store failures are handled in one place: counted, logged (at most
 * once a minute per kind) and turned into each budget's failMode by the caller.
 */
import { timingSafeEqual } from 'node:crypto';
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
import { Thresholds } from './thresholds.js';
import { parseVirtualKey, secretMatches } from './virtual-key.js';

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
  private budgetsAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | null = null;
  private readonly keyCache = new Map<string, { rec: VirtualKeyRecord | null; at: number }>();
  private offset = 0;
  private clockAt = Number.NEGATIVE_INFINITY;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly lastLog = new Map<string, number>();
  private readonly sqlitePath: string | null;

  constructor(
    private readonly loaded: LoadedConfig,
    readonly logger: Logger,
    stores?: Stores,
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

  /** Config budgets plus budgets set with the CLI (re-read every refreshMs). */
  async budgets(): Promise<readonly CompiledBudget[]> {
    if (Date.now() - this.budgetsAt >= this.config.refreshMs) {
      this.refreshing ??= this.refreshBudgets().finally(() => {
        this.refreshing = null;
      });
      await this.refreshing;
    }
    if (this.cliBudgets.length === 0) return this.configBudgets;
    const names = new Set(this.cliBudgets.map((b) => b.name));
    return [...this.configBudgets.filter((b) => !names.has(b.name)), ...this.cliBudgets];
  }

  private async refreshBudgets(): Promise<void> {
    this.budgetsAt = Date.now();
    const stores = this.storesOrNull();
    if (!stores) return;
    try {
      this.cliBudgets = (await stores.keys.listBudgets()).map((b) => compileBudget(b, 'cli'));
    } catch (e) {
      this.storeError('reading budgets', e);
    }
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

  /** Verifies a virtual key; throws a 401 that says why (malformed, unknown, revoked, expired). */
  async verify(text: string): Promise<VirtualKeyRecord> {
    const parsed = parseVirtualKey(text);
    if (!parsed) {
      this.stats.refusals.key++;
      throw new PennyError(
        'unauthorized',
        'malformed Penny key: expected sk-penny-<12 characters>-<32 characters>',
      );
    }
    const rec = await this.lookup(parsed.id);
    if (!rec || !this.secretVerified(rec, parsed.secret)) {
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
   * Secrets already verified against a record's hash, by key id (bounded, least recently used first out):
   * a known key skips the HMAC. Rotation changes the stored hash, so the entry no longer matches and the
   * new secret is verified afresh; revocation and expiry are checked on the record every time.
   */
  private readonly verified = new Map<string, { hash: string; secret: Buffer }>();

  private secretVerified(rec: VirtualKeyRecord, secret: string): boolean {
    const hit = this.verified.get(rec.id);
    const given = Buffer.from(secret);
    if (
      hit &&
      hit.hash === rec.hash &&
      hit.secret.length === given.length &&
      timingSafeEqual(hit.secret, given)
    ) {
      this.verified.delete(rec.id);
      this.verified.set(rec.id, hit);
      return true;
    }
    if (!secretMatches(rec, secret)) return false;
    if (this.verified.size >= 10_000) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(rec.id, { hash: rec.hash, secret: given });
    return true;
  }

  private async lookup(id: string): Promise<VirtualKeyRecord | null> {
    const hit = this.keyCache.get(id);
    if (hit && Date.now() - hit.at < this.config.keyCacheMs) return hit.rec;
    const stores = this.storesOrNull();
    if (!stores) return null;
    let rec: VirtualKeyRecord | null;
    try {
      rec = await stores.keys.get(id);
    } catch (e) {
      this.storeError('reading keys', e);
      this.stats.refusals.unavailable++;
      throw new PennyError(
        'governance_unavailable',
        'the key store is unreachable, so the key cannot be checked; retry shortly',
        {
          cause: e,
          retryable: true,
        },
      );
    }
    if (this.config.keyCacheMs > 0) {
      if (this.keyCache.size > 10_000) this.keyCache.clear();
      this.keyCache.set(id, { rec, at: Date.now() });
    }
    return rec;
  }

  /**
   * Reserves lines; when a fixed window does not contain the store's time (this instance's clock is off),
   * resyncs the clock and rebuilds the lines once. Throws when the store fails (the caller applies failMode).
   */
  async reserve(
    id: string,
    build: (now: number) => ReserveLine[],
    opts: { direct?: boolean } = {},
  ): Promise<{ result: ReserveResult; lines: ReserveLine[] }> {
    const counters = this.counters;
    if (!counters) throw new Error('no governance store');
    await this.syncClock();
    const ttl = this.config.reservationTtlSeconds * 1000;
    // `direct`: a reservation that may be settled by another instance or after a restart (a deferred job)
    // is held in the store itself, not in this gateway's allowance.
    const allowances = opts.direct ? null : this.allowancesFor(counters);
    const reserve = (ls: ReserveLine[]) =>
      allowances ? allowances.reserve(id, ls) : counters.reserve(id, ls, ttl);
    let lines = build(this.now());
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
    opts: { direct?: boolean } = {},
  ): void {
    const counters = this.counters;
    if (lines.length === 0 || !counters) return;
    const allowances = opts.direct ? null : this.allowancesFor(counters);
    if (allowances) {
      allowances.settle(id, lines, then);
      return;
    }
    this.queued.push({ id, lines, then });
    if (this.queued.length === 1) setImmediate(this.flushSettlements);
    else if (this.queued.length >= 256) this.flushSettlements();
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
