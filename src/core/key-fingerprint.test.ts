import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { keyFingerprint, keyFingerprintMemoSize } from './key-fingerprint.js';

const direct = (k: string) => `key-${createHash('sha256').update(k).digest('hex').slice(0, 12)}`;

test('key fingerprint: sha256-based, stable across calls, the same before and after the memo forgets it', () => {
  const first = keyFingerprint('sk-test-fingerprint-0001');
  assert.equal(first, direct('sk-test-fingerprint-0001'));
  assert.equal(keyFingerprint('sk-test-fingerprint-0001'), first);
  assert.notEqual(keyFingerprint('sk-test-fingerprint-0002'), first);
  for (let i = 0; i < 3000; i++) keyFingerprint(`sk-test-many-${i}`);
  assert.ok(keyFingerprintMemoSize() <= 1024, `memo holds ${keyFingerprintMemoSize()} keys`);
  assert.equal(keyFingerprint('sk-test-fingerprint-0001'), first);
  assert.equal(keyFingerprint('sk-test-many-2999'), direct('sk-test-many-2999'));
});
