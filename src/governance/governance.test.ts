/**
 * What a running gateway reads ahead of need (governance.ts with refresh-ahead.ts): a verified key and the
 * budgets set with the CLI are served from memory, yet a revocation, a rotation or a new budget reaches the
 * gateway within keyCacheMs / refreshMs — as soon as the background re-read lands under steady traffic (past
 * half the age), and never later than the configured age when traffic is idle. The caches age by an injected
 * clock, so the test does not depend on the machine's speed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../config/load.js';
import { silentLogger } from '../observability/logger.js';
import { Governance } from './governance.js';
import { createKey, revokeKey, rotateKey } from './key-admin.js';

const dir = mkdtempSync(join(tmpdir(), 'penny-governance-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Governance over a fresh SQLite store, with keyCacheMs = refreshMs = 1000 on a clock the test moves. */
function governance() {
  const clock = { now: 1_000_000 };
  const loaded = loadConfig({
    object: {
      ledger: { path: join(mkdtempSync(join(dir, 'g-')), 'ledger.db') },
      governance: { requireKeys: true, keyCacheMs: 1000, refreshMs: 1000 },
    },
    env: {},
  });
  const gov = new Governance(loaded, silentLogger, undefined, () => clock.now);
  after(() => gov.close());
  return { gov, clock, keys: gov.storesOrNull()!.keys };
}

/** Lets a background re-read land. */
const settle = () => new Promise((r) => setImmediate(r));

const nameOf = (r: unknown) => (r as { name: string }).name;

describe('governance reads keys and budgets ahead of need', () => {
  test('a cached key is served without waiting; a revocation is refused within keyCacheMs even when idle', async () => {
    const { gov, clock, keys } = governance();
    const { key } = await createKey(keys, { name: 'idle' });
    assert.equal(nameOf(await gov.verify(key)), 'idle');
    await revokeKey(keys, 'idle');
    clock.now += 499;
    const cached = gov.verify(key);
    assert.ok(!(cached instanceof Promise), 'served from memory: no store read');
    assert.equal(nameOf(cached), 'idle', 'trusted until keyCacheMs has passed');
    clock.now += 501; // idle: no re-read started; 1000 ms since the read
    const fresh = gov.verify(key);
    assert.ok(fresh instanceof Promise, 'too old to serve: read again');
    await assert.rejects(fresh, /was revoked/);
  });

  test('under steady traffic a rotation is seen as soon as the background re-read lands', async () => {
    const { gov, clock, keys } = governance();
    const { key } = await createKey(keys, { name: 'busy' });
    await gov.verify(key);
    const rotated = await rotateKey(keys, 'busy');
    clock.now += 500; // past half of keyCacheMs
    assert.equal(nameOf(gov.verify(key)), 'busy', 'served at once, re-read in the background');
    await settle();
    assert.throws(() => gov.verify(key), /unknown Penny key/, 'the old secret, 500 ms before keyCacheMs');
    assert.equal(nameOf(gov.verify(rotated.key)), 'busy');
  });

  test('a verified key text is trusted only as that exact text, for the record hash it matched', async () => {
    const { gov, keys } = governance();
    const { key } = await createKey(keys, { name: 'exact' });
    assert.equal(nameOf(await gov.verify(key)), 'exact');
    const last = key.at(-1) === 'A' ? 'B' : 'A';
    assert.throws(() => gov.verify(key.slice(0, -1) + last), /unknown Penny key/, 'same id, other secret');
    assert.throws(() => gov.verify(`${key}A`), /malformed Penny key/);
    assert.equal(nameOf(gov.verify(key)), 'exact', 'the verified text is still served from memory');
  });

  test('a budget set with the CLI applies within refreshMs; the list is served from memory meanwhile', async () => {
    const { gov, clock, keys } = governance();
    assert.deepEqual(await gov.budgets(), []);
    await keys.putBudget({
      name: 'cli',
      limit: '5',
      window: 'day',
      match: {},
      per: [],
      policy: 'reject',
      alertAt: [100],
    });
    clock.now += 499;
    assert.deepEqual(gov.budgets(), [], 'a value: no store read');
    clock.now += 1;
    assert.deepEqual(gov.budgets(), [], 'past half: served, and re-read in the background');
    await settle();
    const list = gov.budgets();
    assert.ok(!(list instanceof Promise));
    assert.deepEqual(
      list.map((b) => b.name),
      ['cli'],
    );
    await keys.deleteBudget('cli');
    clock.now += 1000; // idle for refreshMs: the next request reads first
    const again = gov.budgets();
    assert.ok(again instanceof Promise);
    assert.deepEqual(await again, []);
  });
});
