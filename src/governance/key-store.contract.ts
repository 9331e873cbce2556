/** The key store contract, run against every backend (SQLite, Redis; PostgreSQL plugs in the same way). */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { budgetConfigSchema } from './config.js';
import { KeyNameTaken, type KeyStore, type VirtualKeyRecord } from './key-store.js';
import { newKeyId, newSecret, secretMatches } from './virtual-key.js';

export function keyRecord(name: string, over: Partial<VirtualKeyRecord> = {}): VirtualKeyRecord {
  const { salt, hash } = newSecret();
  return {
    id: newKeyId(),
    name,
    salt,
    hash,
    createdAt: 1_700_000_000_000,
    expiresAt: null,
    revokedAt: null,
    rotatedAt: null,
    features: null,
    models: null,
    budget: null,
    rpm: null,
    tpm: null,
    ...over,
  };
}

export function keyStoreContract(
  name: string,
  make: () => Promise<KeyStore>,
  opts: { skip?: string | false } = {},
): void {
  describe(`key store contract: ${name}`, { skip: opts.skip ?? false }, () => {
    const open: KeyStore[] = [];
    const fresh = async () => {
      const s = await make();
      open.push(s);
      return s;
    };
    after(async () => {
      for (const s of open) await s.close();
    });

    test('insert, get by id and by name, list sorted by name', async () => {
      const s = await fresh();
      const b = keyRecord('team-b', { models: ['gpt-4o-mini', 'claude-*'], rpm: 60 });
      const a = keyRecord('team-a', { budget: { limitUsd: '50', window: 'month' } });
      await s.insert(b);
      await s.insert(a);
      assert.deepEqual(await s.get(b.id), b);
      assert.deepEqual(await s.findByName('team-a'), a);
      assert.equal(await s.get('nope'), null);
      assert.equal(await s.findByName('nope'), null);
      assert.deepEqual(
        (await s.list()).map((k) => k.name),
        ['team-a', 'team-b'],
      );
    });

    test('names are unique', async () => {
      const s = await fresh();
      await s.insert(keyRecord('dup'));
      await assert.rejects(s.insert(keyRecord('dup')), KeyNameTaken);
      assert.equal((await s.list()).length, 1);
    });

    test('update replaces the record (revoke, rotate); the stored hash never is the secret', async () => {
      const s = await fresh();
      const k = keyRecord('rot');
      await s.insert(k);
      const fresh2 = newSecret();
      await s.update({ ...k, salt: fresh2.salt, hash: fresh2.hash, rotatedAt: 5, revokedAt: 7 });
      const got = (await s.get(k.id))!;
      assert.equal(got.revokedAt, 7);
      assert.ok(secretMatches(got, fresh2.secret));
      assert.ok(!JSON.stringify(got).includes(fresh2.secret));
    });

    test('budgets: put (insert or replace), list, delete', async () => {
      const s = await fresh();
      const def = budgetConfigSchema.parse({
        name: 'support-daily',
        limit: '1',
        window: 'day',
        per: ['user'],
      });
      await s.putBudget(def);
      await s.putBudget({ ...def, limit: '2' });
      await s.putBudget(budgetConfigSchema.parse({ name: 'all', limit: 100 }));
      const list = await s.listBudgets();
      assert.deepEqual(
        list.map((b) => [b.name, b.limit]),
        [
          ['all', 100],
          ['support-daily', '2'],
        ],
      );
      assert.equal(await s.deleteBudget('all'), true);
      assert.equal(await s.deleteBudget('all'), false);
      assert.equal((await s.listBudgets()).length, 1);
    });
  });
}
