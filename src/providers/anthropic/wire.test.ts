import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidRequestError } from '../../core/errors.js';
import { isRecord, onlyKeys, parseCacheControl, renderCacheControl } from './wire.js';

test('cache_control parses, renders back and treats null as absent', () => {
  assert.equal(parseCacheControl(null, 'x'), undefined);
  assert.equal(parseCacheControl(undefined, 'x'), undefined);
  for (const v of [
    { type: 'ephemeral' },
    { type: 'ephemeral', ttl: '5m' },
    { type: 'ephemeral', ttl: '1h' },
  ]) {
    assert.deepEqual(renderCacheControl(parseCacheControl(v, 'x')!), v);
  }
  assert.throws(
    () => parseCacheControl({ type: 'persistent' }, 'tools[0].cache_control'),
    (e: unknown) => {
      return e instanceof InvalidRequestError && e.param === 'tools[0].cache_control';
    },
  );
});

test('isRecord and onlyKeys', () => {
  assert.equal(isRecord([]), false);
  assert.equal(isRecord(null), false);
  assert.equal(isRecord({}), true);
  assert.equal(onlyKeys({ a: 1 }, new Set(['a', 'b'])), true);
  assert.equal(onlyKeys({ a: 1, c: 2 }, new Set(['a', 'b'])), false);
});
