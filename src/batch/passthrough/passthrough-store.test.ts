import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { MemoryPassthroughStore } from './memory-passthrough-store.js';
import { batchObject, passthroughStoreContract } from './passthrough-store.contract.js';
import { SqlitePassthroughStore } from './sqlite-passthrough-store.js';

const dir = mkdtempSync(join(tmpdir(), 'penny-passthrough-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describe('pass-through stores', () => {
  passthroughStoreContract('memory', async () => new MemoryPassthroughStore());
  passthroughStoreContract('sqlite', async () => new SqlitePassthroughStore(join(dir, `p-${n++}.db`)), {
    shared: async () => {
      const path = join(dir, `shared-${n++}.db`);
      return [new SqlitePassthroughStore(path), new SqlitePassthroughStore(path)];
    },
  });
  test('sqlite: objects and priced lines survive a reopen', async () => {
    const path = join(dir, 'reopen.db');
    const s = new SqlitePassthroughStore(path);
    await s.put(batchObject('b1'));
    await s.claimLines('b1', ['x']);
    await s.close();
    const again = new SqlitePassthroughStore(path);
    assert.equal((await again.get('batch', 'b1'))?.keyId, 'team-a');
    assert.deepEqual(await again.claimLines('b1', ['x', 'y']), ['y']);
    await again.close();
  });
});
