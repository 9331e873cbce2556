import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { CanonicalResponse } from '../core/response.js';
import { CODECS } from '../providers/codecs.js';
import { SqliteBodyStore } from './sqlite-body-store.js';

const request = CODECS.openai.parseRequest({
  model: 'gpt-4o',
  messages: [{ role: 'user', content: 'hello' }],
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

describe('SqliteBodyStore', () => {
  test('put returns the hash at once; get reads the exchange back after a flush, also from a read-only open', () => {
    const dir = mkdtempSync(join(tmpdir(), 'penny-bodies-'));
    try {
      const path = join(dir, 'ledger.bodies.db');
      const store = SqliteBodyStore.open(path, { flushIntervalMs: 10_000 });
      const hash = store.put(request, response, 123);
      assert.match(hash, /^[0-9a-f]{32}$/);
      assert.equal(store.put(request, response, 456), hash, 'identical exchanges share one address');
      const got = store.get(hash);
      assert.ok(got);
      assert.equal(got.storedAt, 123);
      assert.deepEqual(got.request, JSON.parse(JSON.stringify(request)));
      assert.equal(got.response.choices[0]?.content[0]?.type, 'text');
      assert.equal(store.count(), 1);
      store.close();
      const ro = SqliteBodyStore.open(path, { readonly: true });
      assert.ok(ro.get(hash));
      assert.equal(ro.get('0'.repeat(32)), undefined);
      ro.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('close writes what is buffered', () => {
    const dir = mkdtempSync(join(tmpdir(), 'penny-bodies-'));
    try {
      const path = join(dir, 'b.db');
      const store = SqliteBodyStore.open(path, { flushIntervalMs: 10_000 });
      const hash = store.put(request, response, 1);
      store.close();
      const again = SqliteBodyStore.open(path);
      assert.equal(again.get(hash)?.response.id, 'chatcmpl-1');
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
