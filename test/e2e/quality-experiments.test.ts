import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { experimentsCommand } from '../../src/cli/experiments.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { assignArm } from '../../src/quality/assign-arm.js';
import { type Harness, startHarness } from './harness.js';

const experiment = {
  name: 'cheap-v1',
  arms: {
    control: { inherit: false },
    treatment: { route: { rules: [{ name: 'all-mini', targets: ['gpt-4o-mini'] }] } },
  },
  split: { control: 50, treatment: 50 },
  stickBy: 'user',
};
const features = {
  support: { route: { rules: [{ name: 'base', targets: ['gpt-4o'] }] }, experiment },
};

describe('experiments: arms per user, recorded on every entry, stopped from the CLI', () => {
  let h: Harness;
  let openai: OpenAI;
  let configFile: string;

  before(async () => {
    h = await startHarness({ config: { features } });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    configFile = join(h.dir, 'penny.config.json');
    writeFileSync(configFile, JSON.stringify({ ledger: { path: join(h.dir, 'ledger.db') }, features }));
  });
  after(() => h.close());

  const ask = (user: string) =>
    openai.chat.completions
      .create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'Where is my parcel?' }], user },
        { headers: { 'x-penny-feature': 'support' } },
      )
      .withResponse();

  test('each user gets the arm the hash gives, every time; the arm policy runs; the ledger records the arm', async () => {
    const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    for (const u of users) for (let i = 0; i < 2; i++) await ask(u);
    const entries = await h.entries();
    assert.equal(entries.length, 24);
    const arms = new Set<string>();
    for (const e of entries) {
      const x = e.meta?.experiment as { name: string; arm: string; stickBy: string };
      const expected = assignArm(experiment, `user:${e.user}`);
      assert.deepEqual(x, { name: 'cheap-v1', arm: expected, stickBy: 'user' });
      arms.add(x.arm);
      // control: the model asked for, no tactics; treatment: the arm's route rule.
      assert.equal(e.servedModel, expected === 'control' ? 'gpt-4o' : 'gpt-4o-mini');
      if (expected === 'treatment') assert.ok((e.savings.route ?? 0n) > 0n);
      else assert.deepEqual(e.savings, {});
    }
    assert.deepEqual([...arms].sort(), ['control', 'treatment'], 'twelve users land in both arms');
    // Queryable in the ledger's database.
    const treated = await h.app.ledger.query({ experiment: 'cheap-v1', arm: 'treatment' });
    assert.equal(treated.length, entries.filter((e) => e.servedModel === 'gpt-4o-mini').length);
  });

  test('the client sees its arm in x-penny-experiment', async () => {
    const { response } = await ask('user-3');
    assert.equal(
      response.headers.get('x-penny-experiment'),
      `cheap-v1; arm=${assignArm(experiment, 'user:user-3')}`,
    );
  });

  test('penny experiments list / show / stop / resume', async () => {
    await h.entries(); // flushed, so the CLI's reader sees all 25
    const list = await experimentsCommand('list', undefined, { config: configFile });
    assert.match(list, /cheap-v1/);
    assert.match(list, /running/);
    const show = JSON.parse(await experimentsCommand('show', 'cheap-v1', { config: configFile, json: true }));
    assert.equal(show.arms.length, 2);
    assert.equal(show.arms[0].requests + show.arms[1].requests, 25);
    assert.match(show.verdicts[0], /^treatment is \d+% cheaper, quality not yet measured/);
    assert.match(await experimentsCommand('show', 'cheap-v1', { config: configFile }), /cost\/request/);

    await assert.rejects(
      experimentsCommand('stop', 'cheap-v1', { config: configFile, arm: 'nope' }),
      /--arm: .*no arm "nope"/,
    );
    await assert.rejects(experimentsCommand('show', 'nope', { config: configFile }), /no experiment "nope"/);
    assert.match(
      await experimentsCommand('stop', 'cheap-v1', { config: configFile, arm: 'treatment' }),
      /stopped/,
    );
    await h.app.quality.experiments.refresh();
    const controlUser = Array.from({ length: 50 }, (_, i) => `u${i}`).find(
      (u) => assignArm(experiment, `user:${u}`) === 'control',
    )!;
    const { response } = await ask(controlUser);
    assert.equal(response.headers.get('x-penny-experiment'), 'cheap-v1; arm=treatment');
    const last = (await h.entries()).at(-1)!;
    assert.equal(last.servedModel, 'gpt-4o-mini');
    assert.equal((last.meta?.experiment as { stopped?: boolean } | undefined)?.stopped, true);
    assert.match(await experimentsCommand('list', undefined, { config: configFile }), /stopped → treatment/);

    assert.match(await experimentsCommand('resume', 'cheap-v1', { config: configFile }), /resumed/);
    await h.app.quality.experiments.refresh();
    const again = await ask(controlUser);
    assert.equal(again.response.headers.get('x-penny-experiment'), 'cheap-v1; arm=control');
  });

  test("a client cannot pick an arm's hidden policy by naming it in x-penny-feature", async () => {
    const { response } = await openai.chat.completions
      .create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'Where is my parcel?' }], user: 'sneaky' },
        { headers: { 'x-penny-feature': 'support@treatment' } },
      )
      .withResponse();
    assert.equal(response.headers.get('x-penny-experiment'), null);
    const last = (await h.entries()).at(-1)!;
    assert.equal(last.servedModel, 'gpt-4o', "the default policy ran, not the arm's route");
    assert.equal(last.meta?.experiment, undefined);
  });
});

describe('experiment config errors name the field', () => {
  const load = (experiment: unknown) => () =>
    loadConfig({ object: { features: { support: { experiment } } }, env: {} });

  test('a split over an unknown arm, shares not summing to 100, one arm, bad stickBy', () => {
    assert.throws(
      load({ ...experiment, split: { control: 50, other: 50 } }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /features\.support\.experiment\.split\.other/.test(e.message) &&
        /no arm "other"/.test(e.message),
    );
    assert.throws(
      load({ ...experiment, split: { control: 50, treatment: 40 } }),
      /features\.support\.experiment\.split.*sum to 90/s,
    );
    assert.throws(
      load({ ...experiment, arms: { control: {} } }),
      /features\.support\.experiment\.arms.*at least two arms/s,
    );
    assert.throws(load({ ...experiment, stickBy: 'ip' }), /features\.support\.experiment\.stickBy/);
    assert.throws(
      load({ ...experiment, arms: { control: {}, treatment: { route: { rules: 'x' } } } }),
      /features\.support\.experiment\.arms\.treatment\.route\.rules/,
    );
  });

  test('two features running one experiment name are refused', () => {
    assert.throws(
      () => loadConfig({ object: { features: { a: { experiment }, b: { experiment } } }, env: {} }),
      /features\.b\.experiment\.name.*already run by features\.a/s,
    );
  });
});
