/**
 * The behaviour every BodyStore must have, run against each implementation (SQLite, PostgreSQL). `open`
 * returns a fresh empty store; `reopen` opens the same store again after `close()`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanonicalResponse } from '../core/response.js';
import { CODECS } from '../providers/codecs.js';
import type { BodyStore } from './body-store.js';

export interface BodyStoreHarness {
  store: BodyStore;
  reopen: () => Promise<BodyStore>;
  cleanup: () => Promise<void>;
}

const request = CODECS.openai.parseRequest({
  model: 'gpt-4o',
  messages: [{ role: 'user', content: 'hello ✓ "quoted" \u0000 nul' }],
});
const response: CanonicalResponse = {
  id: 'chatcmpl-1',
  model: 'gpt-4o',
  created: 1,
  choices: [
    { index: 0, content: [{ type: 'text', text: 'hi there' }], finish: { unified: 'stop', raw: 'stop' } },
  ],
  usage: null,
};

export function bodyStoreContract(
  name: string,
  make: () => Promise<BodyStoreHarness>,
  options: { skip?: string | false } = {},
): void {
  describe(`BodyStore contract: ${name}`, options, () => {
    test('put returns the hash at once; get reads the exchange back (reads see earlier puts)', async () => {
      const h = await make();
      try {
        const hash = h.store.put(request, response, 123);
        assert.match(hash, /^[0-9a-f]{32}$/);
        assert.equal(h.store.put(request, response, 456), hash, 'identical exchanges share one address');
        const got = await h.store.get(hash);
        assert.ok(got);
        assert.equal(got.hash, hash);
        assert.equal(got.storedAt, 123, 'the first copy is kept');
        assert.deepEqual(got.request, JSON.parse(JSON.stringify(request)));
        assert.equal(got.response.choices[0]?.content[0]?.type, 'text');
        assert.equal(await h.store.get('0'.repeat(32)), undefined);
      } finally {
        await h.cleanup();
      }
    });

    test('close writes what is buffered; the store is durable across reopen', async () => {
      const h = await make();
      try {
        const hash = h.store.put(request, response, 1);
        const other = h.store.put(request, { ...response, id: 'chatcmpl-2' }, 2);
        assert.notEqual(other, hash);
        await h.store.close();
        await h.store.close();
        const again = await h.reopen();
        try {
          assert.equal((await again.get(hash))?.response.id, 'chatcmpl-1');
          assert.equal((await again.get(other))?.response.id, 'chatcmpl-2');
        } finally {
          await again.close();
        }
      } finally {
        await h.cleanup();
      }
    });

    test('flush writes a burst of bodies in batches', async () => {
      const h = await make();
      try {
        const hashes = Array.from({ length: 600 }, (_, i) =>
          h.store.put(request, { ...response, id: `chatcmpl-burst-${i}` }, i),
        );
        await h.store.flush();
        assert.equal(new Set(hashes).size, 600);
        for (const i of [0, 255, 256, 599]) assert.equal((await h.store.get(hashes[i]!))?.storedAt, i);
      } finally {
        await h.cleanup();
      }
    });
  });
}
