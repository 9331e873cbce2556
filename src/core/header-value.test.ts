import assert from 'node:assert/strict';
import { validateHeaderValue } from 'node:http';
import { describe, test } from 'node:test';
import { MAX_HEADER_VALUE, safeHeaderValue, safeHeaders } from './header-value.js';

describe('safeHeaderValue', () => {
  test('visible ASCII stays as is', () => {
    for (const v of ['gpt-4o-mini', 'ft:gpt-4o:org:x', 'openai/gpt-4o', 'step=1; model=a b', '100%'])
      assert.equal(safeHeaderValue(v), v);
  });

  test('anything Node refuses is percent-encoded as UTF-8 and decodes back', () => {
    for (const v of [
      'gpt-4o-mini-日本',
      'a\u0000b',
      'x\r\ny: z',
      'caf\u00e9',
      '\uFFFD',
      'emoji 😀',
      '\u007f',
    ]) {
      const out = safeHeaderValue(v);
      assert.doesNotThrow(() => validateHeaderValue('x-test', out));
      assert.equal(decodeURIComponent(out), v);
    }
  });

  test('capped, never cutting an escape, and idempotent', () => {
    const long = '日'.repeat(1000);
    const out = safeHeaderValue(long);
    assert.ok(out.length <= MAX_HEADER_VALUE);
    assert.doesNotThrow(() => decodeURIComponent(out));
    assert.equal(safeHeaderValue(out), out);
    assert.equal(safeHeaderValue('a'.repeat(5000)).length, MAX_HEADER_VALUE);
    const headers = safeHeaders({ 'x-penny-model': long, 'content-type': 'application/json' });
    assert.equal(headers['content-type'], 'application/json');
    assert.deepEqual(safeHeaders(headers), headers);
  });

  test('headers already safe are returned as they are; otherwise a copy, the given object untouched', () => {
    const safe = { 'content-type': 'application/json', 'x-penny-cost-usd': '0.000006' };
    assert.equal(safeHeaders(safe), safe);
    const given = {
      'content-type': 'application/json',
      'x-penny-model': 'm\r\nx-evil: 1',
      'x-long': 'a'.repeat(2000),
    };
    const out = safeHeaders(given);
    assert.notEqual(out, given);
    assert.deepEqual(out, {
      'content-type': 'application/json',
      'x-penny-model': 'm%0D%0Ax-evil: 1',
      'x-long': 'a'.repeat(MAX_HEADER_VALUE),
    });
    assert.equal(given['x-penny-model'], 'm\r\nx-evil: 1');
    assert.equal(given['x-long'].length, 2000);
    // A value that is not a string (a stage's slip) is made a safe string, as before.
    const odd = { 'x-n': 42 } as unknown as Record<string, string>;
    assert.deepEqual(safeHeaders(odd), { 'x-n': '42' });
  });
});
