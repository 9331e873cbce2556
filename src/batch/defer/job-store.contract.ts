/**
 * The contract every JobStore backend passes (job-store.test.ts: memory, SQLite; pg-job-store.test.ts:
 * PostgreSQL). `shared` opens two stores over the same data (two instances), for the lease tests.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
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

export interface JobStoreContractOptions {
  skip?: string | false;
  /** Two stores over the same data, as two gateway instances sharing it. */
  shared?: () => Promise<[JobStore, JobStore]>;
}

export function jobStoreContract(
  name: string,
  open: () => Promise<JobStore>,
  opts: JobStoreContractOptions = {},
): void {
  describe(`job store contract: ${name}`, { skip: opts.skip ?? false }, () => body(name, open, opts));
}

function body(name: string, open: () => Promise<JobStore>, opts: JobStoreContractOptions): void {
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
  test(`${name}: claim leases oldest free jobs; put and release end the lease`, async () => {
    const s = await open();
    for (const i of [3, 1, 2, 4]) await s.put(job(`c${i}`, { createdAt: i }));
    await s.put(job('done', { createdAt: 0, status: 'completed' }));
    const first = await s.claim('queued', 2, 60_000);
    assert.deepEqual(
      first.map((j) => j.id),
      ['c1', 'c2'],
    );
    assert.deepEqual(
      (await s.claim('queued', 10, 60_000)).map((j) => j.id),
      ['c3', 'c4'],
      'leased jobs are not handed out again',
    );
    assert.deepEqual(await s.claim('queued', 10, 60_000), []);
    assert.equal((await s.byStatus('queued', 10)).length, 4, 'byStatus still lists leased jobs');
    await s.release(['c2']);
    await s.put({ ...first[0]!, attempts: 1 });
    const again = await s.claim('queued', 10, 60_000);
    assert.deepEqual(
      again.map((j) => [j.id, j.attempts]),
      [
        ['c1', 1],
        ['c2', 0],
      ],
    );
    assert.deepEqual(
      (await s.claim('completed', 10, 60_000)).map((j) => j.id),
      ['done'],
    );
    await s.close();
  });
  test(`${name}: an expired lease frees the job`, async () => {
    const s = await open();
    await s.put(job('e1'));
    assert.equal((await s.claim('queued', 10, 1)).length, 1);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      (await s.claim('queued', 10, 60_000)).map((j) => j.id),
      ['e1'],
    );
    await s.close();
  });
  if (opts.shared) {
    const shared = opts.shared;
    test(`${name}: two instances claiming at once never get the same job`, async () => {
      const [a, b] = await shared();
      const N = 200;
      for (let i = 0; i < N; i++) await a.put(job(`s${String(i).padStart(3, '0')}`, { createdAt: i }));
      const seen: string[] = [];
      // Each instance claims in small bites, concurrently, until nothing is left.
      const drain = async (s: JobStore) => {
        for (;;) {
          const got = await s.claim('queued', 7, 60_000);
          if (got.length === 0) return;
          for (const j of got) seen.push(j.id);
        }
      };
      await Promise.all([drain(a), drain(b), drain(a), drain(b)]);
      assert.equal(seen.length, N, 'every job claimed exactly once');
      assert.equal(new Set(seen).size, N);
      assert.deepEqual(await b.claim('queued', 10, 60_000), []);
      await a.close();
      await b.close();
    });
  }
}
