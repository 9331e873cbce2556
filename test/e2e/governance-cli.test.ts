/**
 * `penny keys` and `penny budgets` as a user types them: a key printed once and usable at once by a running
 * gateway, a budget set from the CLI listed with its numbers, and malformed commands refused with a message
 * naming the field (exit code 2).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type Harness, startHarness } from './harness.js';

describe('penny keys / penny budgets', () => {
  let h: Harness;
  let dir: string;
  const penny = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/run.ts', ...args, '--ledger', join(dir, 'ledger.db')],
      {
        encoding: 'utf8',
        env: { ...process.env, PENNY_CONFIG: '' },
      },
    );

  before(async () => {
    h = await startHarness({ config: { governance: { keyCacheMs: 0, refreshMs: 0 } } });
    dir = h.dir;
  });
  after(async () => {
    await h.close();
  });

  test('create a key, use it, see it in the list; set a budget and list it', async () => {
    const created = penny('keys', 'create', '--name', 'cli-team', '--budget', '5/day', '--rpm', '100');
    assert.equal(created.status, 0, created.stderr);
    const key = created.stdout.split('\n')[0]!;
    assert.match(key, /^sk-penny-/);
    assert.match(created.stdout, /only time the key is shown/);
    const openai = new OpenAI({ apiKey: key, baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    const r = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    assert.equal(r.response.headers.get('x-ratelimit-limit-requests'), '100');
    await h.app.governance.drain();
    const list = penny('keys', 'list');
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /cli-team.*active.*5\/day.*100/);
    assert.ok(!list.stdout.includes(key.slice(-32)));
    const show = penny('keys', 'show', 'cli-team', '--json');
    const shown = JSON.parse(show.stdout) as { budgetWindow: { spent: string; limit: string } };
    assert.equal(shown.budgetWindow.limit, '5');
    assert.ok(Number(shown.budgetWindow.spent) > 0, 'show has the spend so far');

    const set = penny(
      'budgets',
      'set',
      'support-daily',
      '--limit',
      '1',
      '--window',
      'day',
      '--feature',
      'support',
      '--per',
      'user',
    );
    assert.equal(set.status, 0, set.stderr);
    const budgets = penny('budgets', 'list', '--json');
    const rows = JSON.parse(budgets.stdout) as Array<{
      name: string;
      scope: string;
      limit: string;
      resetAt: string;
    }>;
    assert.deepEqual(
      rows.map((b) => [b.name, b.scope, b.limit]),
      [
        ['support-daily', 'feature=support, user=each', '1'],
        ['key:cli-team', 'key=cli-team', '5'],
      ],
    );
    const revoke = penny('keys', 'revoke', 'cli-team');
    assert.equal(revoke.status, 0);
    await assert.rejects(
      openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      (e: { status?: number }) => e.status === 401,
    );
  });

  test('malformed commands name the field', () => {
    const cases: Array<[string[], RegExp]> = [
      [['keys', 'create', '--name', 'x y'], /--name: /],
      [['keys', 'create', '--name', 'ok2', '--budget', 'fifty'], /--budget: expected <usd>\/<window>/],
      [['keys', 'create', '--name', 'ok3', '--rpm', '-4'], /--rpm: a whole number above 0/],
      [['keys', 'create', '--name', 'ok4', '--expires', 'someday'], /--expires: /],
      [['keys', 'revoke', 'nobody'], /no key named "nobody"/],
      [['budgets', 'set', 'b1', '--limit', 'ten'], /--limit: /],
      [['budgets', 'set', 'b2', '--limit', '1', '--per', 'team'], /--per: /],
      [['budgets', 'set', 'b3', '--limit', '1', '--window', 'fortnight'], /--window: /],
      [['budgets', 'show', 'missing'], /no budget named "missing"/],
    ];
    for (const [args, re] of cases) {
      const r = penny(...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
    }
  });
});
