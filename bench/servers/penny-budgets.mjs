// Penny as built (dist/), budgets on: counters and keys in Redis on loopback, requests carry a virtual key
// with a budget and a rate limit (both far above what the benchmark spends, so every request is checked,
// reserved and settled, and none is refused). Writes the key to argv[3]; removes its Redis keys on exit.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPenny } from '../../dist/app.js';
import { createKey } from '../../dist/governance/key-admin.js';
import { dropPrefix } from '../../dist/governance/redis-counter-store.js';
import { createLogger } from '../../dist/observability/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'penny-bench-'));
const prefix = `penny:bench:${process.pid}:`;
const app = await startPenny({
  object: {
    server: { port: 0 },
    ledger: { path: join(dir, 'ledger.db') },
    providers: {
      openai: { type: 'openai', baseUrl: `${process.argv[2]}/v1`, apiKey: 'sk-bench-0123456789abcdefghij' },
    },
    governance: {
      store: { redis: { url: process.env.PENNY_BENCH_REDIS ?? 'redis://127.0.0.1:6379', keyPrefix: prefix } },
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
  const client = stores.counters.client;
  await app.governance.drain();
  await dropPrefix(client, prefix);
  await app.close();
  process.exit(0);
});
