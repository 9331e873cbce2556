/**
 * The SQLite ledger's write-ahead journal: entries a SIGKILLed process had received but not yet written are
 * restored at the next open, exactly once, and a live process's journal is never touched.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { makeRichEntry } from '../entry-fixtures.js';
import { decodeParams, encodeParams } from './journal.js';
import { entryToParams } from './row-codec.js';
import { SqliteLedger } from './sqlite-ledger.js';

const HERE = import.meta.dirname;

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'penny-journal-'));
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

describe('SQLite ledger journal', () => {
  test('row parameters survive the journal line exactly (bigints, nulls, JSON text)', () => {
    const e = makeRichEntry({ cost: 123_456_789_012_345_678_901n });
    const params = entryToParams(e);
    assert.deepEqual(decodeParams(encodeParams(params)), params);
    // The line format of journals written by earlier builds, which replay reads.
    assert.equal(
      encodeParams(params),
      JSON.stringify(params, (_k, v) => (typeof v === 'bigint' ? { b: v.toString() } : v)),
    );
  });

  test('SIGKILL before the batch write: every received entry is restored at the next open, exactly once', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'ledger.db');
    // A writer that commits 100 entries, then receives 150 more that its (one-minute) timer never writes.
    const code = `
      const { SqliteLedger } = await import(${JSON.stringify(path.join(HERE, 'sqlite-ledger.ts'))});
      const { makeRichEntry } = await import(${JSON.stringify(path.join(HERE, '../entry-fixtures.ts'))});
      const l = SqliteLedger.open(${JSON.stringify(file)}, { journal: true, flushIntervalMs: 60000, batchSize: 100000 });
      for (let i = 0; i < 100; i++) l.append(makeRichEntry({ id: 'a' + i, cost: BigInt(i) * 1000000007n }));
      await l.flush();
      for (let i = 0; i < 150; i++) l.append(makeRichEntry({ id: 'b' + i, cost: BigInt(i) * 1000000007n }));
      process.stdout.write('ready\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (c) => reject(new Error(`writer exited early (${c})`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const peek = SqliteLedger.open(file);
    assert.equal(
      (await peek.query({})).length,
      100,
      'without the journal, the 150 unwritten entries are gone',
    );
    await peek.close();

    const l = SqliteLedger.open(file, { journal: true });
    assert.equal(l.restored, 150);
    const entries = await l.query({});
    assert.equal(entries.length, 250);
    assert.equal(new Set(entries.map((e) => e.id)).size, 250, 'no duplicates');
    const b7 = entries.find((e) => e.id === 'b7');
    assert.equal(b7?.cost, 7n * 1000000007n, 'money restored exactly');
    await l.close();
    assert.deepEqual(fs.readdirSync(`${file}.journal`), [], 'replayed and finished files are deleted');

    const again = SqliteLedger.open(file, { journal: true });
    assert.equal(again.restored, 0);
    assert.equal((await again.query({})).length, 250);
    await again.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a journal whose entries were already committed (killed before the file was deleted) adds nothing', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'ledger.db');
    const l = SqliteLedger.open(file);
    const entries = [makeRichEntry({ id: 'x1' }), makeRichEntry({ id: 'x2' })];
    for (const e of entries) l.append(e);
    await l.close();
    fs.mkdirSync(`${file}.journal`);
    const lines = [...entries, makeRichEntry({ id: 'x3' })].map((e) => encodeParams(entryToParams(e)));
    // The last line torn mid-write (a machine crash) is skipped.
    fs.writeFileSync(path.join(`${file}.journal`, `${deadPid()}-0.jsonl`), `${lines.join('\n')}\n{"torn`);
    // A live process's journal (here: ours) is not replayed.
    const mine = path.join(`${file}.journal`, `${process.pid}-7.jsonl`);
    fs.writeFileSync(mine, `${encodeParams(entryToParams(makeRichEntry({ id: 'live' })))}\n`);
    const r = SqliteLedger.open(file, { journal: true });
    assert.equal(r.restored, 1);
    assert.deepEqual((await r.query({})).map((e) => e.id).sort(), ['x1', 'x2', 'x3']);
    await r.close();
    assert.ok(fs.existsSync(mine), "a live process's journal is left alone");
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
