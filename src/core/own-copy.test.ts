import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ownCopy } from './own-copy.js';

test('ownCopy: the members and order of a spread, in an object that takes more members', () => {
  const source = JSON.parse('{"b":1,"a":{"x":[1]},"2":"two","0":null}') as Record<string, unknown>;
  const copy = ownCopy(source);
  assert.deepEqual(Object.keys(copy), Object.keys({ ...source }));
  assert.equal(JSON.stringify(copy), JSON.stringify({ ...source }));
  assert.equal(copy.a, source.a); // shallow, as the spread
  copy.model = 'm';
  assert.equal(source.model, undefined);
  assert.deepEqual(ownCopy(undefined), {});
});

test('ownCopy: a JSON __proto__ member stays an own member and never sets the prototype', () => {
  const source = JSON.parse('{"__proto__":{"polluted":true},"keep":1}') as Record<string, unknown>;
  const copy = ownCopy(source);
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.equal((copy as { polluted?: boolean }).polluted, undefined);
  assert.deepEqual(Object.keys(copy), ['__proto__', 'keep']);
  assert.equal(JSON.stringify(copy), JSON.stringify({ ...source }));
});
