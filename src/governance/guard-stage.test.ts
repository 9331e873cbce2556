/**
 * The guard stage's settlement (guard-stage.ts with call-reservation.ts): a request whose first call was
 * reserved together with its rate limits settles both in one step, and a call that outlives the stage (its
 * ticket ends after the stage is done) keeps holding its worst case until it ends — the rate settlement,
 * which shares the reservation's id, must not release it early.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { buildCatalog } from '../app.js';
import { loadConfig } from '../config/load.js';
import { silentLogger } from '../observability/logger.js';
import type { CallTicket, Outcome } from '../pipeline/context.js';
import { testContext } from '../pipeline/test-support.js';
import { CODECS } from '../providers/codecs.js';
import { TargetResolver } from '../providers/resolve-target.js';
import type { SettleLine } from './counter-store.js';
import { Governance } from './governance.js';
import { createGuardStage } from './guard-stage.js';
import { createKey } from './key-admin.js';

const dir = mkdtempSync(join(tmpdir(), 'penny-guard-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function rig() {
  const loaded = loadConfig({
    object: {
      ledger: { path: join(mkdtempSync(join(dir, 'g-')), 'ledger.db') },
      providers: {
        openai: { type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-test-0123456789' },
      },
      governance: { requireKeys: true },
    },
    env: {},
  });
  const gov = new Governance(loaded, silentLogger);
  after(() => gov.close());
  const { key } = await createKey(gov.storesOrNull()!.keys, {
    name: 'team',
    budget: '100/month',
    rpm: 1000,
    tpm: 1_000_000,
  });
  const resolver = new TargetResolver(loaded);
  const stage = createGuardStage({ gov, catalog: buildCatalog(loaded), resolver });
  const target = resolver.resolve('gpt-4o-mini');
  const settled: Array<{ id: string; keys: string[] }> = [];
  const settle = gov.settle.bind(gov);
  gov.settle = (id: string, lines: SettleLine[], ...rest) => {
    settled.push({ id, keys: lines.map((l) => l.key) });
    settle(id, lines, ...rest);
  };
  const ctx = () => {
    const request = CODECS.openai.parseRequest({
      model: 'gpt-4o-mini',
      max_tokens: 1000,
      messages: [{ role: 'user', content: 'Say hello.' }],
    });
    return testContext({
      id: `r${n++}`,
      startedAt: Date.now(),
      t0: process.hrtime.bigint(),
      request,
      requestHeaders: { authorization: `Bearer ${key}` },
    });
  };
  /** The key budget's counter as the gateway sees it (nanodollars). */
  const budget = async () => {
    const row = (await gov.rows()).find((r) => r.name === 'key:team')!;
    return { spent: row.spent, reserved: row.reserved };
  };
  return { gov, stage, target, settled, ctx, budget };
}

const outcome: Outcome = {
  status: 'ok',
  httpStatus: 200,
  provider: 'openai',
  servedModel: 'gpt-4o-mini',
  usage: { inputUncached: 10, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, outputText: 5, reasoning: 0 },
  response: null,
  error: null,
  ttftMs: null,
  simulated: false,
  written: true,
};

describe('guard stage settlement', () => {
  test('the first call and the rate limits settle in one step, at the call cost and the tokens used', async () => {
    const { stage, target, settled, ctx, budget } = await rig();
    const c = ctx();
    await stage.run(c, async () => {
      const ticket = await c.callGuard!.begin(c, target);
      assert.notEqual(ticket, null);
      assert.notEqual((await budget()).reserved, '0', 'the worst case is held during the call');
      ticket!.end(outcome);
      return outcome;
    });
    assert.equal(settled.length, 1, 'one settlement per request');
    const keys = settled[0]!.keys;
    assert.ok(
      keys.some((k) => k.startsWith('k:team:')),
      'the budget line',
    );
    assert.ok(
      keys.some((k) => k.startsWith('rk:team:req:')),
      'the requests line',
    );
    assert.ok(
      keys.some((k) => k.startsWith('rk:team:tok:')),
      'the tokens line',
    );
    assert.equal(c.headers['x-ratelimit-limit-requests'], '1000');
    assert.equal(c.headers['x-ratelimit-remaining-requests'], '999');
    // gpt-4o-mini: 10 input tokens at $0.15/M and 5 output at $0.60/M = $0.0000045.
    assert.deepEqual(await budget(), { spent: '0.0000045', reserved: '0' });
  });

  test('a call still running when the stage ends keeps its worst case reserved until it ends', async () => {
    const { stage, target, settled, ctx, budget } = await rig();
    const c = ctx();
    let ticket: CallTicket | null = null;
    await stage.run(c, async () => {
      ticket = await c.callGuard!.begin(c, target);
      return outcome;
    });
    const during = await budget();
    assert.equal(during.spent, '0');
    assert.notEqual(during.reserved, '0', 'not released by the rate settlement');
    assert.equal(settled.length, 0, 'the rate lines wait for the call');
    (ticket as CallTicket | null)!.end(outcome);
    assert.equal(settled.length, 1);
    assert.deepEqual(await budget(), { spent: '0.0000045', reserved: '0' });
  });

  test('a prepaid reservation no call used is released with the rate lines (one settlement)', async () => {
    const { stage, settled, ctx, budget } = await rig();
    const c = ctx();
    await stage.run(c, async () => outcome); // e.g. a cache hit: no upstream call
    assert.equal(settled.length, 1);
    assert.deepEqual(await budget(), { spent: '0', reserved: '0' });
  });
});
