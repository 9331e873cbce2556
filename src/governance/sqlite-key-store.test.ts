import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { keyStoreContract } from './key-store.contract.js';
import { SqliteKeyStore } from './sqlite-key-store.js';

const dir = mkdtempSync(join(tmpdir(), 'penny-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

keyStoreContract('sqlite', async () => SqliteKeyStore.open(join(dir, `k${n++}.db`)));
