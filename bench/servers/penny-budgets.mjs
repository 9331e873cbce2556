// Penny as built (dist/), budgets on: counters and keys in Redis on loopback, requests carry a virtual key
// with a budget and a rate limit (both far above what the benchmark spends, so every request is checked,
// reserved and settled, and none is refused). Writes the key to argv[3]; removes its Redis keys on exit.
// argv[4] = 'sqlite' keeps keys and counters in the embedded SQLite store instead of Redis.
// PENNY_BENCH_ALLOWANCE=<n> sets governance.allowance.calls (calls' worth leased per allowance; default 16).
// PENNY_BENCH_DIST points at another build (bench/governance.ts compares a previous build in the same run).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = process.env.PENNY_BENCH_DIST
  ? pathToFileURL(`${resolve(process.env.PENNY_BENCH_DIST)}/`).href
  : new URL('../../dist/', import.meta.url).href;
const { startPenny } = await import(`${dist}app.js`);
const { createKey } = await import(`${dist}governance/key-admin.js`);
const { dropPrefix } = await import(`${dist}governance/redis-counter-store.js`);
const { createLogger } = await import(`${dist}observability/logger.js`);
const sqlite = process.argv[4] === 'sqlite';
const allowance = process.env.PENNY_BENCH_ALLOWANCE
  ? { allowance: { calls: Number(process.env.PENNY_BENCH_ALLOWANCE) } }
  : {};

const dir = mkdtempSync(join(tmpdir(), 'penny-bench-'));
const prefix = `penny:bench:${process.pid}:`;
const app = await startPenny({
  object: {
    server: { port: 0 },
    ledger: { path: join(dir, 'ledger.db') },
    providers: {
      openai: { type: 'openai', baseUrl: `${process.argv[2]}/v1`, apiKey: 'sk-bench-0123456789abcdefghij' },
    },
    governance: sqlite
      ? { requireKeys: true, ...allowance }
      : {
          ...allowance,
          store: {
            redis: { url: process.env.PENNY_BENCH_REDIS ?? 'redis://127.0.0.1:6379', keyPrefix: prefix },
          },
        },
  },
  env: {},
  logger: createLogger('warn'),
});
const stores = app.governance.storesOrNull();
const { key } = await createKey(stores.keys, {
  name: 'bench',
  budget: '1000000/month',
  rpm: 1_000_000_000,
  tpm: 1_000_000_000,
});
writeFileSync(process.argv[3], key);
process.stdout.write(`READY ${new URL(app.url).port}\n`);
process.on('SIGTERM', async () => {
  await app.governance.drain();
  if (!sqlite) await dropPrefix(stores.counters.client, prefix);
  await app.close();
  process.exit(0);
});
