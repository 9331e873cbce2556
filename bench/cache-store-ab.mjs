// CPU per stored row of the SQLite cache store in steady state, in-process: each build's store is filled
// past its bound (10k rows of 1.1 kB), then rows are written in batches of 50, builds in interleaved rounds.
// `--ttl-writes N`: rows expire after N writes (default: never, a full table as in the gateway benchmark).
//
//   node bench/cache-store-ab.mjs before=/path/to/dist after=dist [--rounds 9] [--ttl-writes 10000]
import { hash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const ROUNDS = opt('rounds', 9);
const TTL = opt('ttl-writes', 1e12);
const N = 6000;
const builds = argv.filter((a) => a.includes('=')).map((a) => a.split('='));
if (builds.length === 0) builds.push(['dist', 'dist']);
const value =
  `P1 0123456789abcdef01234567 ${JSON.stringify({ k: 'a'.repeat(64), r: 'x'.repeat(900) })}`.padEnd(1100);
let k = 0;
const key = () => hash('sha256', `k${k++}`, 'hex');
let now = 0;
const stores = [];
for (const [label, dir] of builds) {
  const { SqliteStore } = await import(
    `${pathToFileURL(resolve(dir)).href}/pipeline/cache/store/sqlite-store.js`
  );
  const path = join(mkdtempSync(join(tmpdir(), 'penny-store-ab-')), 'c.db');
  // One tick of the clock per write; the batches are written by hand (no timers).
  const s = new SqliteStore(path, { maxEntries: 10_000, flushMs: 1e9, batchSize: 1e9, now: () => now });
  for (let i = 0; i < 14_000; i++) {
    now++;
    s.set(key(), value, TTL);
    if (i % 50 === 49) s.flush();
  }
  stores.push({ label, s, rounds: [] });
}
for (let r = 0; r < ROUNDS; r++)
  for (const x of r % 2 ? [...stores].reverse() : stores) {
    const keys = Array.from({ length: N }, key);
    const t0 = process.cpuUsage();
    for (let i = 0; i < N; i++) {
      now++;
      x.s.set(keys[i], value, TTL);
      if (i % 50 === 49) x.s.flush();
    }
    const c = process.cpuUsage(t0);
    x.rounds.push((c.user + c.system) / N);
  }
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
for (const x of stores) {
  console.log(
    `${x.label}: ${median(x.rounds).toFixed(2)} µs CPU per stored row (rounds: ${x.rounds.map((v) => v.toFixed(1)).join(' ')}; load ${load})`,
  );
  await x.s.close();
}
