/**
 * The Redis flight board backend (ioredis 5): the lease is `SET <prefix>lease:<key> <token> NX PX`, renewed
 * and released by scripts that check the token (a lapsed leader never frees a successor's lease); the result
 * is `<prefix>result:<key>` with a short TTL, announced on the channel `<prefix>done`. Notifications come on
 * a second connection (a subscribed connection can do nothing else); when it is down, followers poll.
 */
import type { Redis } from 'ioredis';
import type { FlightBoardBackend } from './flight-board.js';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const FINISH = `if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('PUBLISH', KEYS[3], ARGV[4])
return 1`;

export class RedisFlightBoard implements FlightBoardBackend {
  readonly kind = 'redis' as const;
  private readonly listeners = new Set<(key: string) => void>();
  private sub: Redis | undefined;
  private readonly channel: string;

  /** `client` is shared (not closed here); `prefix` namespaces every key, e.g. `penny:cache:flight:`. */
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {
    this.channel = `${prefix}done`;
  }

  async acquire(key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.client.set(this.leaseKey(key), token, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async renew(key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.client.eval(RENEW, 1, this.leaseKey(key), token, ttlMs)) === 1;
  }

  async finish(key: string, token: string, result: string | null, resultTtlMs: number): Promise<void> {
    await this.client.eval(
      FINISH,
      3,
      this.leaseKey(key),
      this.resultKey(key),
      this.channel,
      token,
      result ?? '',
      resultTtlMs,
      key,
    );
  }

  async peek(key: string): Promise<{ result: string | null; leased: boolean }> {
    const [result, lease] = await this.client.mget(this.resultKey(key), this.leaseKey(key));
    return { result: result ?? null, leased: lease !== null && lease !== undefined };
  }

  subscribe(fn: (key: string) => void): () => void {
    this.ensureSubscriber();
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async close(): Promise<void> {
    this.listeners.clear();
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
    sub.on('message', (_channel: string, key: string) => {
      for (const fn of this.listeners) fn(key);
    });
    sub.subscribe(this.channel).catch(() => {});
    this.sub = sub;
  }

  private leaseKey(key: string): string {
    return `${this.prefix}lease:${key}`;
  }

  private resultKey(key: string): string {
    return `${this.prefix}result:${key}`;
  }
}
