/**
 * `GET /readyz`: whether this instance can serve right now — its stores answer (the ledger's database,
 * Redis when the configuration uses it) and it is not draining. A load balancer takes an instance out of
 * rotation on 503 and puts it back on 200. `GET /healthz` (in the server) only says the process is alive.
 * Each check has a short deadline, so a hung store makes the probe fail rather than hang.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { PennyConfig } from '../config/schema.js';
import type { ExtraRoute } from '../server/server.js';

/**
 * ioredis is loaded on first use, not at start-up: a gateway without Redis in its configuration never
 * pays its memory (about 10 MB of RSS; BENCHMARKS.md, memory).
 */
const loadIoredis = (): typeof import('ioredis') => createRequire(import.meta.url)('ioredis');

export const READY_PATH = '/readyz';

/** A named probe: resolves true when the store answers. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<boolean>;
  /** Releases what the probe holds (its own connection). */
  close?: () => Promise<void>;
}

export interface ReadyRoute {
  route: ExtraRoute;
  /** Marks the instance as draining: /readyz answers 503 from now on. */
  drain(): void;
  close(): Promise<void>;
}

export function createReadyRoute(checks: ReadinessCheck[], deadlineMs = 1500): ReadyRoute {
  let draining = false;
  const route: ExtraRoute = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (path !== READY_PATH) return false;
    const results: Record<string, 'ok' | 'down'> = {};
    await Promise.all(
      checks.map(async (c) => {
        results[c.name] = (await withDeadline(c.check(), deadlineMs)) ? 'ok' : 'down';
      }),
    );
    const ok = !draining && Object.values(results).every((r) => r === 'ok');
    const body = JSON.stringify({ ok, draining, checks: results });
    res.writeHead(ok ? 200 : 503, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'content-length': String(Buffer.byteLength(body)),
    });
    res.end(req.method === 'HEAD' ? '' : body);
    return true;
  };
  return {
    route,
    drain: () => {
      draining = true;
    },
    close: async () => {
      await Promise.all(checks.map((c) => c.close?.()));
    },
  };
}

async function withDeadline(p: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p.catch(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** The Redis URLs the configuration uses (the response cache store, globally or per feature). */
export function redisUrlsInUse(config: PennyConfig): string[] {
  const uses =
    config.cache.store === 'redis' || Object.values(config.features).some((f) => f.cache?.store === 'redis');
  const urls = new Set<string>(uses ? [config.cache.redisUrl] : []);
  // Budgets and keys shared by instances (src/governance) live in Redis too when so configured.
  const gov = config.governance.store;
  if ('redis' in gov) urls.add(gov.redis.url ?? config.cache.redisUrl);
  return [...urls];
}

/** A Redis readiness probe on its own small connection (never queues commands while disconnected). */
export function redisCheck(url: string): ReadinessCheck {
  const client = new (loadIoredis().Redis)(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: 1000,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  });
  client.on('error', () => {});
  client.connect().catch(() => {});
  return {
    name: 'redis',
    check: async () => {
      // Just started or reconnecting: give the connection a moment before answering "down".
      if (client.status !== 'ready') await waitReady(client, 1000);
      return (await client.ping()) === 'PONG';
    },
    close: async () => {
      client.disconnect();
    },
  };
}

function waitReady(client: Redis, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    client.once('ready', done);
  });
}
