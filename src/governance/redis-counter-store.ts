/**
 * The shared counter store: Redis (ioredis 5) with the Lua scripts in redis-scripts.ts, so any number of
 * gateways reserve against one set of counters atomically. Commands never queue while Redis is down
 * (`enableOfflineQueue: false`): they fail at once and the caller applies each budget's failMode.
 * Scripts are sent by SHA (EVALSHA) and loaded on first use or after a Redis restart (NOSCRIPT).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import {
  type CounterLine,
  type CounterSnapshot,
  type CounterStore,
  type LeaseGrant,
  type LeaseLine,
  type ReserveLine,
  type ReserveResult,
  type SettleLine,
  type Settlement,
  type WindowSpec,
  resetOf,
} from './counter-store.js';
import { LEASE, READ, RESERVE, SETTLE } from './redis-scripts.js';

/**
 * ioredis is loaded on first use, not at start-up: a gateway without Redis in its configuration never
 * pays its memory (about 10 MB of RSS; BENCHMARKS.md, memory).
 */
const loadIoredis = (): typeof import('ioredis') => createRequire(import.meta.url)('ioredis');

export interface RedisConnectionOptions {
  url: string;
  keyPrefix: string;
  commandTimeoutMs?: number;
  onError?: (e: Error) => void;
}

/** A Redis client that fails fast while disconnected (shared by the counter and key stores). */
export function connectRedis(opts: RedisConnectionOptions): Redis {
  const client = new (loadIoredis().Redis)(opts.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Commands issued in the same tick (reservations and settlements of concurrent requests) share one write.
    enableAutoPipelining: true,
    commandTimeout: opts.commandTimeoutMs ?? 500,
    connectTimeout: 1000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  });
  client.on('error', (e: Error) => opts.onError?.(e));
  client.connect().catch(() => {
    // Reported through the 'error' event; ioredis keeps reconnecting.
  });
  return client;
}

/** Resolves once the client is connected, or rejects after `timeoutMs`. */
export function redisReady(client: Redis, timeoutMs = 2000): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`redis not ready after ${timeoutMs} ms (status ${client.status})`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

interface Script {
  text: string;
  sha: string;
}

const script = (text: string): Script => ({ text, sha: createHash('sha1').update(text).digest('hex') });
const SCRIPTS = {
  reserve: script(RESERVE),
  settle: script(SETTLE),
  read: script(READ),
  lease: script(LEASE),
};

export class RedisCounterStore implements CounterStore {
  readonly kind = 'redis' as const;

  constructor(
    readonly client: Redis,
    private readonly prefix: string,
    private readonly ownsClient = true,
  ) {}

  async now(): Promise<number> {
    const [s, us] = await this.client.time();
    return Number(s) * 1000 + Math.floor(Number(us) / 1000);
  }

  async reserve(id: string, lines: readonly ReserveLine[], ttlMs: number): Promise<ReserveResult> {
    const args: Array<string | number> = [id, ttlMs];
    for (const l of lines) args.push(l.amount, l.limit === null ? -1 : l.limit, ...windowArgs(l.window));
    const r = (await this.eval(SCRIPTS.reserve, lines, args)) as Array<string | number>;
    const now = Number(r[1]);
    if (r[0] === 'clock') return { ok: false, reason: 'clock', now, index: Number(r[2]) };
    if (r[0] === 'over') {
      const index = Number(r[2]);
      const w = lines[index]!.window;
      return { ok: false, reason: 'over', now, index, snapshot: snap(w, r[3], r[4], r[5], now) };
    }
    return {
      ok: true,
      now,
      lines: lines.map((l, i) => snap(l.window, r[2 + i * 3], r[3 + i * 3], r[4 + i * 3], now)),
    };
  }

  async settle(id: string, lines: readonly SettleLine[]): Promise<CounterSnapshot[]> {
    return (await this.settleMany([{ id, lines }]))[0]!;
  }

  async settleMany(batch: readonly Settlement[]): Promise<CounterSnapshot[][]> {
    const all: SettleLine[] = [];
    const args: Array<string | number> = [batch.length];
    for (const op of batch) {
      args.push(op.id, op.lines.length);
      for (const l of op.lines) {
        all.push(l);
        args.push(l.actual, ...windowArgs(l.window));
      }
    }
    if (all.length === 0) return batch.map(() => []);
    const flat = snaps(all, (await this.eval(SCRIPTS.settle, all, args)) as number[]);
    let i = 0;
    return batch.map((op) => {
      const part = flat.slice(i, i + op.lines.length);
      i += op.lines.length;
      return part;
    });
  }

  async lease(
    holder: string,
    lines: readonly LeaseLine[],
    ttlMs: number,
  ): Promise<{ now: number; lines: LeaseGrant[] }> {
    if (lines.length === 0) return { now: await this.now(), lines: [] };
    const args: Array<string | number> = [holder, ttlMs];
    for (const l of lines)
      args.push(
        l.spentTotal,
        l.epoch,
        l.keep,
        l.want,
        l.limit === null ? -1 : l.limit,
        ...windowArgs(l.window),
      );
    const r = (await this.eval(SCRIPTS.lease, lines, args)) as number[];
    const now = Number(r[0]);
    return {
      now,
      lines: lines.map((l, i) => ({
        ...snap(l.window, r[1 + i * 5], r[2 + i * 5], r[3 + i * 5], now),
        held: Number(r[4 + i * 5]),
        clock: Number(r[5 + i * 5]) === 1,
      })),
    };
  }

  async read(lines: readonly CounterLine[]): Promise<CounterSnapshot[]> {
    if (lines.length === 0) return [];
    const args: Array<string | number> = [];
    for (const l of lines) args.push(...windowArgs(l.window));
    const r = (await this.eval(SCRIPTS.read, lines, args)) as number[];
    return snaps(lines, r);
  }

  async scan(prefix: string, limit = 1000): Promise<Array<{ key: string; snapshot: CounterSnapshot }>> {
    const head = `${this.prefix}c:`;
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.client.scan(
        cursor,
        'MATCH',
        `${escapeGlob(head + prefix)}*`,
        'COUNT',
        500,
      );
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0' && keys.length < limit);
    keys.sort();
    const picked = keys.slice(0, limit);
    if (picked.length === 0) return [];
    const pipe = this.client.pipeline();
    for (const k of picked) pipe.hmget(k, 'k', 'a', 'b');
    const rows = (await pipe.exec()) ?? [];
    const lines: CounterLine[] = picked.map((k, i) => {
      const [kind, a, b] = (rows[i]?.[1] as Array<string | null>) ?? [];
      return { key: k.slice(head.length), window: toWindow(kind ?? 't', Number(a ?? 0), Number(b ?? 0)) };
    });
    const snapshots = await this.read(lines);
    return lines.map((l, i) => ({ key: l.key, snapshot: snapshots[i]! }));
  }

  async once(key: string, ttlMs: number): Promise<boolean> {
    const r = await this.client.set(`${this.prefix}once:${key}`, '1', 'PX', Math.max(1, ttlMs), 'NX');
    return r === 'OK';
  }

  async close(): Promise<void> {
    if (!this.ownsClient || this.client.status === 'end') return;
    try {
      if (this.client.status === 'ready') await this.client.quit();
      else this.client.disconnect();
    } catch {
      this.client.disconnect();
    }
  }

  private async eval(
    s: Script,
    lines: readonly CounterLine[],
    args: Array<string | number>,
  ): Promise<unknown> {
    const keys: string[] = [];
    for (const l of lines) keys.push(`${this.prefix}c:${l.key}`, `${this.prefix}z:${l.key}`);
    try {
      return await this.client.evalsha(s.sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!String((e as Error).message).includes('NOSCRIPT')) throw e;
      return this.client.eval(s.text, keys.length, ...keys, ...args);
    }
  }
}

function windowArgs(w: WindowSpec): [string, number, number] {
  if (w.kind === 'fixed') return ['f', w.startsAt, w.endsAt];
  if (w.kind === 'rolling') return ['r', w.lengthMs, w.bucketMs];
  return ['t', 0, 0];
}

function toWindow(kind: string, a: number, b: number): WindowSpec {
  if (kind === 'f') return { kind: 'fixed', startsAt: a, endsAt: b };
  if (kind === 'r') return { kind: 'rolling', lengthMs: a, bucketMs: b };
  return { kind: 'total' };
}

function snap(
  w: WindowSpec,
  spent: unknown,
  reserved: unknown,
  oldest: unknown,
  now: number,
): CounterSnapshot {
  const o = Number(oldest);
  return { spent: Number(spent), reserved: Number(reserved), resetAt: resetOf(w, o < 0 ? null : o, now) };
}

function snaps(lines: readonly CounterLine[], r: number[]): CounterSnapshot[] {
  const now = Number(r[0]);
  return lines.map((l, i) => snap(l.window, r[1 + i * 3], r[2 + i * 3], r[3 + i * 3], now));
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

/** Deletes every key under `prefix` (test and benchmark cleanup). */
export async function dropPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await client.del(...keys);
  } while (cursor !== '0');
}
