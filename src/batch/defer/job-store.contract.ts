/** The contract every JobStore backend passes (run by job-store.test.ts on memory and SQLite). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Job } from './job.js';
import type { JobStore } from './job-store.js';

export function job(id: string, over: Partial<Job> = {}): Job {
  return {
    id,
    owner: 'o1',
    status: 'queued',
    createdAt: 1000,
    updatedAt: 1000,
    requestId: `r-${id}`,
    feature: 'f',
    user: null,
    keyId: null,
    dialect: 'openai',
    request: { dialect: 'openai', model: 'gpt-4o-mini', system: [], messages: [], stream: false, extra: {} },
    provider: 'openai',
    model: 'gpt-4o-mini',
    attempts: 0,
    ...over,
  };
}

export function jobStoreContract(name: string, open: () => Promise<JobStore>): void {
  test(`${name}: put, get (unknown → undefined), update in place`, async () => {
    const s = await open();
    await s.put(job('a'));
    assert.equal((await s.get('a'))?.status, 'queued');
    assert.equal(await s.get('nope'), undefined);
    await s.put({ ...job('a'), status: 'completed', response: { ok: 1 } });
    const a = await s.get('a');
    assert.equal(a?.status, 'completed');
    assert.deepEqual(a?.response, { ok: 1 });
    await s.close();
  });
  test(`${name}: byStatus, oldest first, limited`, async () => {
    const s = await open();
    await s.put(job('x3', { createdAt: 3 }));
    await s.put(job('x1', { createdAt: 1 }));
    await s.put(job('x2', { createdAt: 2, status: 'submitted' }));
    await s.put(job('x4', { createdAt: 4 }));
    assert.deepEqual(
      (await s.byStatus('queued', 2)).map((j) => j.id),
      ['x1', 'x3'],
    );
    assert.deepEqual(
      (await s.byStatus('submitted', 10)).map((j) => j.id),
      ['x2'],
    );
    await s.close();
  });
}
