import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { after, test } from 'node:test';
import { counterStoreContract } from './counter-store.contract.js';
import { SqliteCounterStore } from './sqlite-counter-store.js';

const dir = mkdtempSync(join(tmpdir(), 'penny-counters-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

counterStoreContract('sqlite', async () =>
  SqliteCounterStore.open(join(dir, `c${n++}.db`), { pruneEvery: 7 }),
);

test('a file made before lease epochs gets the column; its booked totals count as the current epoch', async () => {
  const path = join(dir, 'before-epochs.db');
  const old = new Database(path);
  old.exec(
    'CREATE TABLE gov_lease_spent (key TEXT NOT NULL, holder TEXT NOT NULL, total INTEGER NOT NULL, PRIMARY KEY (key, holder)) WITHOUT ROWID;' +
      "INSERT INTO gov_lease_spent (key, holder, total) VALUES ('S', 'A', 45);",
  );
  old.close();
  const s = SqliteCounterStore.open(path);
  const line = { key: 'S', window: { kind: 'total' as const }, keep: 0, want: 0, limit: 1000 };
  // 45 of holder A's total was booked by the old version (and is not in gov_spent here): 5 more is new.
  const r = await s.lease('A', [{ ...line, spentTotal: 50, epoch: 1 }], 60_000);
  assert.equal(r.lines[0]!.spent, 5);
  const again = await s.lease('A', [{ ...line, spentTotal: 50, epoch: 1 }], 60_000);
  assert.equal(again.lines[0]!.spent, 5, 'booked once');
  await s.close();
  // A second open of the upgraded file adds nothing.
  const reopened = SqliteCounterStore.open(path);
  await reopened.close();
});
