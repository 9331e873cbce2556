/**
 * The contract every PassthroughStore backend passes (passthrough-store.test.ts: memory, SQLite;
 * pg-passthrough-store.test.ts: PostgreSQL). `shared` opens two stores over the same data (two instances).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BatchObject } from './batch-object.js';
import type { PassthroughStore } from './passthrough-store.js';

export function batchObject(id: string, over: Partial<BatchObject> = {}): BatchObject {
  return {
    kind: 'batch',
    id,
    provider: 'openai',
    owner: 'o1',
    keyId: 'team-a',
    feature: 'nightly',
    user: null,
    createdAt: 1000,
    ...over,
  };
}

export interface PassthroughStoreContractOptions {
  skip?: string | false;
  shared?: () => Promise<[PassthroughStore, PassthroughStore]>;
}

export function passthroughStoreContract(
  name: string,
  open: () => Promise<PassthroughStore>,
  opts: PassthroughStoreContractOptions = {},
): void {
  describe(`passthrough store contract: ${name}`, { skip: opts.skip || false }, () => {
    test('put, get and replace an object; kinds are separate', async () => {
      const s = await open();
      try {
        assert.equal(await s.get('batch', 'b1'), undefined);
        await s.put(batchObject('b1'));
        await s.put(batchObject('b1', { kind: 'file', owner: 'o2', batchId: 'b0' }));
        assert.deepEqual(await s.get('batch', 'b1'), batchObject('b1'));
        assert.deepEqual(
          await s.get('file', 'b1'),
          batchObject('b1', { kind: 'file', owner: 'o2', batchId: 'b0' }),
        );
        await s.put(batchObject('b1', { feature: 'other' }));
        assert.equal((await s.get('batch', 'b1'))?.feature, 'other');
      } finally {
        await s.close();
      }
    });

    test('getMany returns the known objects of a kind only', async () => {
      const s = await open();
      try {
        await s.put(batchObject('a'));
        await s.put(batchObject('b'));
        await s.put(batchObject('c', { kind: 'file' }));
        const got = await s.getMany('batch', ['a', 'b', 'c', 'zz', 'a']);
        assert.deepEqual(got.map((o) => o.id).sort(), ['a', 'b']);
        assert.deepEqual(await s.getMany('batch', []), []);
      } finally {
        await s.close();
      }
    });

    test('claimLines gives each line of a batch once; other batches are separate', async () => {
      const s = await open();
      try {
        assert.deepEqual((await s.claimLines('b1', ['x', 'y', 'x'])).sort(), ['x', 'y']);
        assert.deepEqual(await s.claimLines('b1', ['x', 'y']), []);
        assert.deepEqual(await s.claimLines('b1', ['y', 'z']), ['z']);
        assert.deepEqual((await s.claimLines('b2', ['x', 'y'])).sort(), ['x', 'y']);
        assert.deepEqual(await s.claimLines('b2', []), []);
      } finally {
        await s.close();
      }
    });

    if (opts.shared) {
      const shared = opts.shared;
      test('two instances over one store: concurrent claims split the lines, none twice', async () => {
        const [a, b] = await shared();
        try {
          await a.put(batchObject('shared'));
          assert.equal((await b.get('batch', 'shared'))?.owner, 'o1');
          const ids = Array.from({ length: 200 }, (_, i) => `line-${i}`);
          const [x, y] = await Promise.all([a.claimLines('sb', ids), b.claimLines('sb', ids)]);
          assert.equal(x.length + y.length, ids.length);
          assert.deepEqual([...x, ...y].sort(), [...ids].sort());
        } finally {
          await a.close();
          await b.close();
        }
      });
    }
  });
}
