import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newRequestId } from './request-id.js';

test('request ids are unique, fixed-width and sort in time order', () => {
  const ids = Array.from({ length: 10_000 }, (_, i) => newRequestId(1_700_000_000_000 + Math.floor(i / 100)));
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^req_[0-9a-f]{26}$/);
  assert.deepEqual([...ids].sort(), ids);
});
