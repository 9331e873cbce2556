import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InFlightSet } from './in-flight-set.js';

test('InFlightSet adds, lists and removes in O(1), and a removed node keeps nothing', () => {
  const s = new InFlightSet<{ id: number }>();
  const a = { id: 1 };
  const b = { id: 2 };
  const c = { id: 3 };
  const na = s.add(a);
  const nb = s.add(b);
  const nc = s.add(c);
  assert.equal(s.size, 3);
  assert.deepEqual(
    s
      .values()
      .map((v) => v.id)
      .sort(),
    [1, 2, 3],
  );
  s.remove(nb); // middle
  assert.deepEqual(
    s
      .values()
      .map((v) => v.id)
      .sort(),
    [1, 3],
  );
  // The point of the structure: a finished request is referenced by nothing that stays behind.
  assert.deepEqual(nb, { value: undefined, prev: null, next: null });
  assert.equal(na.next === nb || na.prev === nb || nc.next === nb || nc.prev === nb, false);
  s.remove(nb); // twice: no effect
  assert.equal(s.size, 2);
  s.remove(nc); // head
  s.remove(na); // last
  assert.equal(s.size, 0);
  assert.deepEqual(s.values(), []);
  const nd = s.add({ id: 4 });
  assert.deepEqual(s.values(), [{ id: 4 }]);
  for (const v of s.values()) if (v.id === 4) s.remove(nd); // removing while listing
  assert.equal(s.size, 0);
});
