/** The behaviour every ResponseStore must have; run against each implementation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResponseStore, StoredResponse } from './response-store.js';

export function responseStoreContract(
  name: string,
  open: (ttlMs: number, now: () => number) => ResponseStore | Promise<ResponseStore>,
  options: { skip?: string | false } = {},
): void {
  const record = (id: string, createdAt: number): StoredResponse => ({
    id,
    createdAt,
    input: [{ role: 'user', content: 'hi ✓' }],
    response: { id, object: 'response', output: [{ type: 'message', content: [] }] },
  });

  test(`${name}: put then get returns an equal record; unknown ids are null`, options, async () => {
    let t = 1_000;
    const s = await open(60_000, () => t);
    await s.put(record('resp_a', t));
    assert.deepEqual(await s.get('resp_a'), record('resp_a', 1_000));
    assert.equal(await s.get('resp_b'), null);
    t += 1;
    await s.close();
  });

  test(`${name}: records expire after the TTL`, options, async () => {
    let t = 1_000;
    const s = await open(60_000, () => t);
    await s.put(record('resp_a', t));
    t += 59_999;
    assert.notEqual(await s.get('resp_a'), null);
    t += 1;
    assert.equal(await s.get('resp_a'), null);
    await s.close();
  });

  test(`${name}: put replaces, delete removes once`, options, async () => {
    const s = await open(60_000, () => 5);
    await s.put(record('resp_a', 1));
    await s.put({ ...record('resp_a', 2), input: [] });
    assert.deepEqual((await s.get('resp_a'))?.input, []);
    assert.equal(await s.delete('resp_a'), true);
    assert.equal(await s.delete('resp_a'), false);
    assert.equal(await s.get('resp_a'), null);
    await s.close();
  });
}
