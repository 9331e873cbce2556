import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { job, jobStoreContract } from './job-store.contract.js';
import { MemoryJobStore } from './memory-job-store.js';
import { SqliteJobStore } from './sqlite-job-store.js';

const dir = mkdtempSync(join(tmpdir(), 'penny-jobs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describe('job stores', () => {
  jobStoreContract('memory', async () => new MemoryJobStore());
  jobStoreContract('sqlite', async () => new SqliteJobStore(join(dir, `jobs-${n++}.db`)), {
    shared: async () => {
      const path = join(dir, `shared-${n++}.db`);
      return [new SqliteJobStore(path), new SqliteJobStore(path)];
    },
  });
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
  test('sqlite: a file from before leases gains the column and keeps its jobs', async () => {
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.exec(
      'CREATE TABLE penny_batch_jobs (id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at INTEGER NOT NULL, data TEXT NOT NULL)',
    );
    old
      .prepare('INSERT INTO penny_batch_jobs VALUES (?, ?, ?, ?)')
      .run('old', 'queued', 1, JSON.stringify(job('old')));
    old.close();
    const s = new SqliteJobStore(path);
    assert.deepEqual(
      (await s.claim('queued', 10, 60_000)).map((j) => j.id),
      ['old'],
    );
    await s.close();
  });
});
