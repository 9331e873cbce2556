/**
 * The Redis flight board backend (ioredis 5): the lease is `SET <prefix>lease:<key> <token> NX PX`, renewed
 * and released by scripts that check the token (a lapsed leader never frees a successor's lease); the result
 * is `<prefix>result:<key>` with a short TTL, announced on the channel `<prefix>done`. Notifications come on
 * a second connection (a subscribed connection can do nothing else); when it is down, followers poll.
 * A streamed flight's log is the stream `<prefix>chunks:<key>#<lease token>` (one entry per op, field `t` and the op's
 * fields), expiring shortly after its last append; a follower's request for it is `<prefix>watch:<key>`,
 * announced on `<prefix>watch`. The streaming followers of a process share one reading connection: one XREAD
 * BLOCK over all their logs (redis-stream-mux.ts).
 */
import type { Redis } from 'ioredis';
import { type FlightBoardBackend, type StreamLogReader, type StreamOp, logName } from './flight-board.js';
import { fieldsOf } from './redis-stream-fields.js';
import { StreamReadMux } from './redis-stream-mux.js';

const RENEW = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 1 then return 2 end
return 1`;
const FINISH = `if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
if redis.call('EXISTS', KEYS[4]) == 1 then
  redis.call('XADD', KEYS[5], '*', 't', 'finished')
  redis.call('PEXPIRE', KEYS[5], ARGV[3])
  redis.call('DEL', KEYS[4])
end
redis.call('PUBLISH', KEYS[3], ARGV[4])
return 1`;
const WATCH = `redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
redis.call('PUBLISH', KEYS[2], ARGV[2])
return 1`;

/** How long the first flight waits for the notification subscription before going ahead without it. */
const SUBSCRIBE_WAIT_MS = 250;

export class RedisFlightBoard implements FlightBoardBackend {
  readonly kind = 'redis' as const;
  private readonly listeners = new Set<(key: string) => void>();
  private sub: Redis | undefined;
  private ready: Promise<void> | undefined;
  private readonly watchListeners = new Set<(key: string) => void>();
  private readonly mux: StreamReadMux;
  private readonly channel: string;
  private readonly watchChannel: string;

  /** `client` is shared (not closed here); `prefix` namespaces every key, e.g. `penny:cache:flight:`. */
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {
    this.channel = `${prefix}done`;
    this.watchChannel = `${prefix}watch`;
    this.mux = new StreamReadMux(client, (key) => this.chunksKey(key));
  }

  async acquire(key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.client.set(this.leaseKey(key), token, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async renew(key: string, token: string, ttlMs: number): Promise<0 | 1 | 2> {
    const r = Number(await this.client.eval(RENEW, 2, this.leaseKey(key), this.watchKey(key), token, ttlMs));
    return r === 2 ? 2 : r === 1 ? 1 : 0;
  }

  async finish(key: string, token: string, result: string | null, resultTtlMs: number): Promise<void> {
    await this.client.eval(
      FINISH,
      5,
      this.leaseKey(key),
      this.resultKey(key),
      this.channel,
      this.watchKey(key),
      this.chunksKey(logName(key, token)),
      token,
      result ?? '',
      resultTtlMs,
      key,
    );
  }

  async peek(key: string): Promise<{ result: string | null; leased: boolean; holder: string | null }> {
    const [result, lease] = await this.client.mget(this.resultKey(key), this.leaseKey(key));
    const leased = lease !== null && lease !== undefined;
    return { result: result ?? null, leased, holder: leased ? lease : null };
  }

  subscribe(fn: (key: string) => void): () => void {
    this.ensureSubscriber();
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  subscribeWatch(fn: (key: string) => void): () => void {
    this.ensureSubscriber();
    this.watchListeners.add(fn);
    return () => this.watchListeners.delete(fn);
  }

  subscribed(): Promise<void> {
    this.ensureSubscriber();
    return this.ready!;
  }

  async watch(key: string, ttlMs: number): Promise<void> {
    await this.client.eval(WATCH, 2, this.watchKey(key), this.watchChannel, ttlMs, key);
  }

  async append(key: string, ops: readonly StreamOp[], ttlMs: number): Promise<void> {
    if (ops.length === 0) return;
    const k = this.chunksKey(key);
    const m = this.client.multi();
    for (const op of ops) m.xadd(k, '*', ...fieldsOf(op));
    m.pexpire(k, ttlMs);
    const r = await m.exec();
    const failed = r?.find(([e]) => e);
    if (failed) throw failed[0];
  }

  reader(): StreamLogReader {
    return this.mux.reader();
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.watchListeners.clear();
    this.mux.close();
    const sub = this.sub;
    this.sub = undefined;
    if (sub) sub.disconnect();
  }

  private ensureSubscriber(): void {
    if (this.sub) return;
    const sub = this.client.duplicate({ enableOfflineQueue: true, lazyConnect: false });
    sub.on('error', () => {
      // Followers poll while notifications are down; the cache store reports the connection's faults.
    });
    sub.on('message', (channel: string, key: string) => {
      for (const fn of channel === this.watchChannel ? this.watchListeners : this.listeners) fn(key);
    });
    this.sub = sub;
    // Confirmed, failed, or given up on after SUBSCRIBE_WAIT_MS (a slow subscriber connection must not hold
    // the first flight; renewals still catch a watch it misses).
    let timer: NodeJS.Timeout | undefined;
    this.ready = Promise.race([
      sub.subscribe(this.channel, this.watchChannel).then(
        () => {},
        () => {},
      ),
      new Promise<void>((r) => {
        timer = setTimeout(r, SUBSCRIBE_WAIT_MS);
        timer.unref();
      }),
    ]).finally(() => clearTimeout(timer));
  }

  private leaseKey(key: string): string {
    return `${this.prefix}lease:${key}`;
  }

  private resultKey(key: string): string {
    return `${this.prefix}result:${key}`;
  }

  private watchKey(key: string): string {
    return `${this.prefix}watch:${key}`;
  }

  private chunksKey(key: string): string {
    return `${this.prefix}chunks:${key}`;
  }
}
