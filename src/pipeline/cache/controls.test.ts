import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namespaceOf, readControls, tenantOf } from './controls.js';

test('controls: modes, TTL (clamped) and namespace from headers', () => {
  assert.deepEqual(readControls(undefined, 100), { mode: 'normal' });
  assert.deepEqual(readControls({ 'x-penny-cache': 'BYPASS' }, 100), { mode: 'bypass' });
  assert.deepEqual(readControls({ 'x-penny-cache': 'refresh' }, 100), { mode: 'refresh' });
  assert.deepEqual(readControls({ 'x-penny-cache': 'whatever' }, 100), { mode: 'normal' });
  assert.deepEqual(readControls({ 'x-penny-cache-ttl': '30' }, 100), { mode: 'normal', ttlSeconds: 30 });
  assert.deepEqual(readControls({ 'x-penny-cache-ttl': '9999' }, 100), { mode: 'normal', ttlSeconds: 100 });
  for (const bad of ['0', '-5', '1.5', 'soon'])
    assert.deepEqual(readControls({ 'x-penny-cache-ttl': bad }, 100), { mode: 'normal' }, bad);
  assert.deepEqual(readControls({ 'x-penny-cache-namespace': [' team-a ', 'x'] }, 100), {
    mode: 'normal',
    namespace: 'team-a',
  });
});

test('tenant: the Penny token name, else a fingerprint of the key the client sent, never the key', () => {
  const attribution = { feature: 'f', user: null, keyId: null };
  assert.equal(tenantOf({ attribution: { ...attribution, keyId: 'team-a' } }), 'team-a');
  assert.equal(tenantOf({ attribution, requestHeaders: {} }), 'anon');
  const a = tenantOf({ attribution, requestHeaders: { authorization: 'Bearer sk-secret-1' } });
  const b = tenantOf({ attribution, requestHeaders: { 'x-api-key': 'sk-secret-2' } });
  assert.match(a, /^key-[0-9a-f]{12}$/);
  assert.notEqual(a, b);
  assert.ok(!a.includes('secret'));
  const ns = namespaceOf({ attribution, requestHeaders: {} }, { mode: 'normal', namespace: 'x' });
  assert.equal(ns, JSON.stringify(['anon', 'f', 'x']));
});
