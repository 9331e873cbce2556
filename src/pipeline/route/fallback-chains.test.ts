import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { expandFallbacks, withFallbacks } from './fallback-chains.js';

describe('fallback chains', () => {
  test('chains are followed depth first without repeats', () => {
    const c = expandFallbacks({ a: ['b', 'c'], b: ['d', 'c'] });
    assert.deepEqual(c.get('a'), ['b', 'd', 'c']);
    assert.deepEqual(c.get('b'), ['d', 'c']);
    assert.deepEqual(withFallbacks(['a', 'c', 'x'], c), ['a', 'b', 'd', 'c', 'x']);
  });

  test('a cycle is a ConfigError that shows the loop', () => {
    assert.throws(
      () => expandFallbacks({ a: ['b'], b: ['c'], c: ['a'] }),
      (e: unknown) =>
        e instanceof ConfigError && /a → b → c → a/.test(e.message) && e.path === 'route.fallbacks.c[0]',
    );
    assert.throws(() => expandFallbacks({ a: ['a'] }), /fallback cycle: a → a/);
  });
});
