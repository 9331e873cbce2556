import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bearerToken } from './bearer.js';

describe('bearerToken', () => {
  test('reads the credentials of any spelling of the Bearer scheme, as the regex alone did', () => {
    const regex = (v: string) => /^Bearer\s+(.+)$/i.exec(v)?.[1]?.trim();
    const cases = [
      'Bearer sk-penny-abc',
      'Bearer  sk-penny-abc ',
      'bearer sk-x',
      'BEARER\tsk-x',
      'Bearer ',
      'Bearer   ',
      'Bearer',
      'Bearersk-x',
      'Basic dXNlcjpwYXNz',
      ' Bearer sk-x',
      '',
    ];
    for (const v of cases) assert.equal(bearerToken(v), regex(v), JSON.stringify(v));
    assert.equal(bearerToken('Bearer  sk-penny-abc '), 'sk-penny-abc');
    assert.equal(bearerToken(undefined), undefined);
  });
});
