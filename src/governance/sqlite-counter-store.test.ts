import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { counterStoreContract } from './counter-store.contract.js';
import { SqliteCounterStore } from './sqlite-counter-store.js';

const dir = mkdtempSync(join(tmpdir(), 'penny-counters-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

counterStoreContract('sqlite', async () =>
  SqliteCounterStore.open(join(dir, `c${n++}.db`), { pruneEvery: 7 }),
);
