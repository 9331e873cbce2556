import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_JSON_DEPTH, formatJsonPath, tooDeepAt } from './json-depth.js';

const deep = (n: number) => JSON.parse(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`) as unknown;

describe('JSON depth bound', () => {
  test('values within the limit pass; scalars are depth 0', () => {
    assert.equal(tooDeepAt(deep(MAX_JSON_DEPTH)), null);
    assert.equal(tooDeepAt('x'), null);
    assert.equal(tooDeepAt({ a: [1, { b: [] }] }), null);
  });

  test('a value one level too deep is found, with its path, without overflowing the stack', () => {
    const at = tooDeepAt({ ok: 1, m: deep(MAX_JSON_DEPTH) });
    assert.ok(at);
    assert.equal(at.length, MAX_JSON_DEPTH);
    assert.equal(formatJsonPath(at, 3), 'm.a.a…');
    assert.ok(tooDeepAt(deep(200_000)));
    const arr = JSON.parse(`${'['.repeat(500)}${']'.repeat(500)}`) as unknown;
    assert.equal(formatJsonPath(tooDeepAt(arr)!, 2), '[0][0]…');
  });

  test('long keys are cut in paths', () => {
    const k = 'k'.repeat(500);
    let v: unknown = 1;
    for (let i = 0; i < 5; i++) v = { [k]: v };
    const path = formatJsonPath(tooDeepAt(v, 2)!);
    assert.ok(path.length < 100, path);
  });
});
