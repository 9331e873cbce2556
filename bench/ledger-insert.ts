/**
 * CPU per ledger entry of the SQLite ledger's batched insert (`node --import tsx bench/ledger-insert.ts`):
 * 20,000 realistic entries (time-ordered ids, a prompt hash in meta) appended and flushed in batches of 64,
 * three rounds. What settlement's ledger write costs a request on the gateway's hot path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeEntry } from '../src/ledger/entry-fixtures.js';
import { SqliteLedger } from '../src/ledger/sqlite/sqlite-ledger.js';
import { newRequestId } from '../src/pipeline/request-id.js';

const dir = mkdtempSync(join(tmpdir(), 'penny-ledger-bench-'));
const ledger = SqliteLedger.open(join(dir, 'ledger.db'), { flushIntervalMs: 100_000 });
const N = 20_000;
const entries = Array.from({ length: N }, () =>
  makeEntry({ id: newRequestId(), ts: Date.now(), meta: { promptHash: 'abcdef0123456789abcdef0123456789' } }),
);
for (const round of [1, 2, 3]) {
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    ledger.append(entries[i]!);
    if (i % 64 === 63) await ledger.flush();
  }
  await ledger.flush();
  const c = process.cpuUsage(c0);
  console.log(`round ${round}: ${((c.user + c.system) / N).toFixed(2)} µs CPU per entry (batches of 64)`);
  for (const e of entries) e.id = newRequestId();
}
await ledger.close();
rmSync(dir, { recursive: true, force: true });
