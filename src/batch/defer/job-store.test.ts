import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { job, jobStoreContract } from './job-store.contract.js';
import { MemoryJobStore } from './memory-job-store.js';
import { SqliteJobStore } from './sqlite-job-store.js';

const dir = mkdtempSync(join(tmpdir(), 'penny-jobs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describe('job stores', () => {
  jobStoreContract('memory', async () => new MemoryJobStore());
  jobStoreContract('sqlite', async () => new SqliteJobStore(join(dir, `jobs-${n++}.db`)));
  test('sqlite: jobs in every state survive a reopen', async () => {
    const path = join(dir, 'reopen.db');
    const s = new SqliteJobStore(path);
    for (const status of ['queued', 'submitted', 'completed', 'failed'] as const)
      await s.put(job(status, { status }));
    await s.close();
    const again = new SqliteJobStore(path);
    for (const status of ['queued', 'submitted', 'completed', 'failed'] as const)
      assert.equal((await again.get(status))?.status, status);
    await again.close();
  });
});
