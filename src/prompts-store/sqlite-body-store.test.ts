import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bodyStoreContract } from './body-store.contract.js';
import { SqliteBodyStore } from './sqlite-body-store.js';

bodyStoreContract('SqliteBodyStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'penny-bodies-'));
  const path = join(dir, 'ledger.bodies.db');
  const opened: SqliteBodyStore[] = [];
  const open = async () => {
    const s = SqliteBodyStore.open(path, { flushIntervalMs: 10_000 });
    opened.push(s);
    return s;
  };
  return {
    store: await open(),
    reopen: open,
    cleanup: async () => {
      for (const s of opened) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

test('SqliteBodyStore: a read-only open (the export commands) reads what a writer stored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'penny-bodies-'));
  try {
    const path = join(dir, 'ledger.bodies.db');
    const w = SqliteBodyStore.open(path);
    const { CODECS } = await import('../providers/codecs.js');
    const req = CODECS.openai.parseRequest({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    const hash = w.put(req, { id: 'r', model: 'gpt-4o', created: 1, choices: [], usage: null }, 7);
    assert.equal(w.count(), 1);
    await w.close();
    const ro = SqliteBodyStore.open(path, { readonly: true });
    assert.equal((await ro.get(hash))?.storedAt, 7);
    await ro.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
