/**
 * CPU per ledger entry of the SQLite ledger's batched insert (`node --import tsx bench/ledger-insert.ts`):
 * 20,000 realistic entries (time-ordered ids, a prompt hash in meta) appended and flushed in batches of 64,
 * in rounds. What settlement's ledger write costs a request on the gateway's hot path.
 *
 *   node --import tsx bench/ledger-insert.ts [--rounds 5] [--users N] [--prefill N] [--build label=<dir>]…
 *
 * `--build` compares builds (a directory holding `dist/`, e.g. a copy of main's taken before a change) with
 * this checkout's source, in interleaved rounds in one process, each with its own ledger file; medians.
 * `--users N` spreads the entries over 8 features, N users and 3 models (default: the gateway benchmark's
 * entries, no feature or user, one model); `--prefill N` writes N entries into each ledger first, so the
 * indexes are deep (a ledger in service holds millions).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LedgerEntry } from '../src/core/ledger-entry.js';
import { makeEntry } from '../src/ledger/entry-fixtures.js';
import { SqliteLedger } from '../src/ledger/sqlite/sqlite-ledger.js';
import { newRequestId } from '../src/pipeline/request-id.js';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};
const ROUNDS = Number(arg('rounds', '5'));
const USERS = Number(arg('users', '0'));
const PREFILL = Number(arg('prefill', '0'));
const N = 20_000;
const BATCH = 64;

interface LedgerLike {
  append(e: LedgerEntry): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}
const builds: Array<{ label: string; open: (path: string) => LedgerLike }> = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] !== '--build') continue;
  const spec = argv[i + 1] ?? '';
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`--build: expected "label=dir", got "${spec}"`);
  const url = pathToFileURL(join(resolve(spec.slice(eq + 1)), 'dist/ledger/sqlite/sqlite-ledger.js')).href;
  const other = (await import(url)).SqliteLedger as { open(p: string, o: object): LedgerLike };
  builds.push({ label: spec.slice(0, eq), open: (p) => other.open(p, { flushIntervalMs: 100_000 }) });
}
builds.push({ label: 'this checkout', open: (p) => SqliteLedger.open(p, { flushIntervalMs: 100_000 }) });

const FEATURES = ['chat', 'search', 'summarize', 'classify', 'extract', 'agent', 'rag', 'ocr'];
const MODELS = ['gpt-4o-mini', 'gpt-4o', 'claude-haiku-4-5'];
let clock = Date.now() - 86_400_000;
let g = 0;
/** Entry g of the run: the same sequence for every build. */
function entry(): LedgerEntry {
  g += 1;
  clock += 1;
  const model = USERS > 0 ? MODELS[g % 3]! : 'gpt-4o-mini';
  return makeEntry({
    id: newRequestId(clock),
    ts: clock,
    feature: USERS > 0 ? FEATURES[(g * 31) % 8]! : null,
    user: USERS > 0 ? `user_${(g * 7919) % USERS}` : null,
    keyId: null,
    requestedModel: model,
    servedModel: model,
    meta: { promptHash: 'e7ff532d187d475b2c6c5d3dd66b212c' },
  });
}

async function write(ledger: LedgerLike, entries: LedgerEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i++) {
    ledger.append(entries[i]!);
    if (i % BATCH === BATCH - 1) await ledger.flush();
  }
  await ledger.flush();
}

const dir = mkdtempSync(join(tmpdir(), 'penny-ledger-bench-'));
try {
  const ledgers = builds.map((b, i) => ({
    ...b,
    ledger: b.open(join(dir, `ledger-${i}.db`)),
    us: [] as number[],
  }));
  for (let done = 0; done < PREFILL; done += N) {
    const entries = Array.from({ length: Math.min(N, PREFILL - done) }, entry);
    for (const l of ledgers) await write(l.ledger, entries);
  }
  for (let round = 0; round < ROUNDS; round++) {
    const entries = Array.from({ length: N }, entry);
    for (const l of round % 2 ? [...ledgers].reverse() : ledgers) {
      const c0 = process.cpuUsage();
      await write(l.ledger, entries);
      const c = process.cpuUsage(c0);
      l.us.push((c.user + c.system) / N);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = ledgers[0]!;
  console.log(
    `µs CPU per entry, batches of ${BATCH}, ${ROUNDS} interleaved rounds of ${N.toLocaleString('en')}` +
      (USERS > 0 ? `, ${USERS} users, 8 features, 3 models` : ', no feature or user, one model') +
      (PREFILL > 0 ? `, ${PREFILL.toLocaleString('en')} entries written first` : ''),
  );
  for (const l of ledgers) {
    const lower = l.us.filter((u, i) => u < base.us[i]!).length;
    console.log(
      `${l.label.padEnd(16)} median ${median(l.us).toFixed(2)}  rounds ${l.us.map((u) => u.toFixed(1)).join(' ')}` +
        (l === base
          ? ''
          : `  (${(median(l.us) / median(base.us)).toFixed(2)}×, ${lower}/${ROUNDS} rounds lower)`),
    );
  }
  for (const l of ledgers) await l.ledger.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
