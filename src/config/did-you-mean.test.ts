import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closestKey, knownKeys } from './did-you-mean.js';
import { configSchema } from './schema.js';

test('misspelt config keys get the closest known key; unrelated words get none', () => {
  const known = knownKeys(configSchema);
  assert.ok(known.has('port') && known.has('providers') && known.has('baseUrl'));
  assert.equal(closestKey('prot', known), 'port');
  assert.equal(closestKey('providrs', known), 'providers');
  assert.equal(closestKey('baseUlr', known), 'baseUrl');
  assert.equal(closestKey('zzzzzz', known), undefined);
});
