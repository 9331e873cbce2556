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
});
