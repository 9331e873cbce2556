import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type PennyApp, startPenny } from '../../src/app.js';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { createLogger } from '../../src/observability/logger.js';
import type { QualityStores } from '../../src/quality/quality-stores.js';
import { type ScriptedUpstream, chatReply as reply, startScriptedUpstream } from './scripted-upstream.js';

describe('shadow evaluation and the guardrail, on a scripted upstream', () => {
  let up: ScriptedUpstream;
  let app: PennyApp;
  let dir: string;
  let openai: OpenAI;
  let stores: QualityStores;
  const logs: string[] = [];
  const events: string[] = [];

  before(async () => {
    up = await startScriptedUpstream();
    dir = mkdtempSync(join(tmpdir(), 'penny-shadow-'));
    app = await startPenny({
      object: {
        server: { port: 0 },
        ledger: { path: join(dir, 'ledger.db'), flushIntervalMs: 20 },
        circuitBreaker: { enabled: false },
        providers: {
          openai: { type: 'openai', baseUrl: `${up.url}/v1`, apiKey: 'sk-test-0123456789abcdefghij' },
        },
        features: {
          math: {
            route: { rules: [{ name: 'mini', targets: ['gpt-4o-mini'] }] },
            quality: {
              shadow: { sampleRate: 0.5, agreement: 'number' },
              floor: 0.5,
              minSamples: 4,
              window: 6,
            },
          },
        },
      },
      env: {},
      logger: createLogger('debug', (l) => logs.push(l)),
    });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${app.url}/v1`, maxRetries: 0 });
    stores = (await app.quality.ready())!;
    app.gateway.deps.onSettled?.push((e) => events.push(`settled:${e.id}`));
    app.quality.shadow.onShadowStart = (id) => events.push(`shadow:${id}`);
  });
  after(async () => {
    await app.close();
    await up.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One client call (answered `cheap`) and, when sampled, its shadow call (answered `strong`). */
  async function ask(cheap: string | null, strong: string | null): Promise<string> {
    if (cheap !== null) up.next(reply('gpt-4o-mini', cheap));
    if (strong !== null) up.next(reply('gpt-4o', strong));
    const { response } = await openai.chat.completions
      .create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'What is 6 × 7?' }] },
        { headers: { 'x-penny-feature': 'math' } },
      )
      .withResponse();
    await app.quality.drain();
    return response.headers.get('x-penny-request-id')!;
  }
  const entries = async (): Promise<LedgerEntry[]> => {
    await app.ledger.flush();
    return (await app.ledger.query({})).reverse();
  };

  test('a routed answer is re-run as sent, after the answer; the evaluation is its own entry, never a saving', async () => {
    app.quality.random = () => 0.1; // sampled
    const id = await ask('The answer is 42.', '6 × 7 = 42');
    // Ordering: the shadow call started only after the client's answer was written and its entry settled.
    assert.deepEqual(
      events.filter((e) => e.endsWith(id)),
      [`settled:${id}`, `shadow:${id}`],
    );
    const all = await entries();
    const client = all.find((e) => e.id === id)!;
    const evaluation = all.find(
      (e) => (e.meta?.evaluation as { evaluates?: string } | undefined)?.evaluates === id,
    )!;
    assert.equal(client.servedModel, 'gpt-4o-mini');
    assert.ok((client.savings.route ?? 0n) > 0n);
    assert.deepEqual(evaluation.meta?.evaluation, {
      purpose: 'evaluation',
      evaluates: id,
      tactic: 'route',
      role: 'shadow',
    });
    assert.equal(evaluation.requestedModel, 'gpt-4o');
    assert.equal(evaluation.servedModel, 'gpt-4o');
    assert.equal(evaluation.feature, 'math');
    assert.ok(evaluation.flags.includes('evaluation'));
    assert.ok((evaluation.cost ?? 0n) > 0n, 'the evaluation cost is recorded');
    assert.deepEqual(evaluation.savings, {}, 'and never counted as saved');
    assert.equal(evaluation.baselineCost, evaluation.cost);
    const v = await stores.evaluations.get(id);
    assert.equal(v?.verdict, 'agree');
    assert.equal(v?.tactic, 'route');
    assert.equal(v?.evaluationId, evaluation.id);
  });

  test('a shadow call that fails is recorded as no verdict, once, and the client never sees it', async () => {
    up.next(reply('gpt-4o-mini', 'It is 42'));
    up.next({
      status: 500,
      headers: { 'content-type': 'application/json' },
      chunks: ['{"error":{"message":"boom"}}'],
    });
    const id = await ask(null, null);
    const v = await stores.evaluations.get(id);
    assert.equal(v?.verdict, 'none');
    assert.ok(v?.error);
    const calls = (await entries()).filter(
      (e) => (e.meta?.evaluation as { evaluates?: string } | undefined)?.evaluates === id,
    );
    assert.equal(calls.length, 1, 'no retry loop');
    assert.equal(calls[0]?.status, 'error');
  });

  test('the guardrail trips on disagreements, serves without the tactic, and returns when tactic runs agree', async () => {
    app.quality.random = () => 0.1;
    // 1 agreement so far; three disagreements make 1 of 4 → Wilson lower bound 0.05 < floor 0.5.
    for (let i = 0; i < 3; i++) await ask('41', '42');
    const [tripped] = app.quality.guardrail.states().filter((s) => s.tactic === 'route');
    assert.equal(tripped?.mode, 'shadow');
    assert.ok(logs.some((l) => l.includes('quality guardrail') && l.includes('"mode":"shadow"')));

    // In shadow mode a request that is not sampled is served as sent: no route, no evaluation call.
    app.quality.random = () => 0.9;
    up.next(reply('gpt-4o', '42'));
    const plain = await ask(null, null);
    const e = (await entries()).find((x) => x.id === plain)!;
    assert.equal(e.servedModel, 'gpt-4o');
    assert.deepEqual(e.savings, {});
    assert.equal(
      (await entries()).filter(
        (x) => (x.meta?.evaluation as { evaluates?: string } | undefined)?.evaluates === plain,
      ).length,
      0,
    );

    // A sampled request is served as sent too; after its answer, the request is run again with the tactic (a
    // tactic run, off the path) and that answer is compared with the client's. Six agreements fill the window
    // → lower bound 0.61 ≥ 0.5, and the tactic returns.
    app.quality.random = () => 0.1;
    for (let i = 0; i < 6; i++) {
      up.next(reply('gpt-4o', '42')); // the client's answer, as sent
      up.next(reply('gpt-4o-mini', 'It is 42')); // the tactic run
      const id = await ask(null, null);
      const all = await entries();
      const client = all.find((x) => x.id === id)!;
      assert.equal(client.servedModel, 'gpt-4o', 'the client never gets the shadowed tactic');
      assert.deepEqual(client.savings, {});
      assert.deepEqual(
        events.filter((x) => x.endsWith(id)),
        [`settled:${id}`, `shadow:${id}`],
        'the tactic run starts after the answer was settled',
      );
      const run = all.find(
        (x) => (x.meta?.evaluation as { evaluates?: string } | undefined)?.evaluates === id,
      )!;
      assert.deepEqual(run.meta?.evaluation, {
        purpose: 'evaluation',
        evaluates: id,
        tactic: 'route',
        role: 'tactic',
        tactics: ['route'],
      });
      assert.equal(run.servedModel, 'gpt-4o-mini', 'the run had the tactic');
      assert.deepEqual(run.savings, {}, 'what the tactic would have saved is not a saving');
      assert.equal(run.baselineCost, run.cost);
      const v = await stores.evaluations.get(id);
      assert.deepEqual([v?.verdict, v?.tactic, v?.evaluationId], ['agree', 'route', run.id]);
      if (i < 5)
        assert.equal(app.quality.guardrail.states().find((s) => s.tactic === 'route')?.mode, 'shadow');
    }
    assert.equal(app.quality.guardrail.states().find((s) => s.tactic === 'route')?.mode, 'active');
    await app.quality.drain();
    const switches = await stores.evaluations.switches({ feature: 'math' });
    assert.deepEqual(
      switches.map((s) => [s.mode, s.tactic]),
      [
        ['active', 'route'],
        ['shadow', 'route'],
      ],
    );
    assert.equal(switches[1]?.n, 4);
    assert.equal(switches[1]?.agree, 1);
    // /metrics shows the retention per feature and tactic.
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    assert.match(metrics, /penny_quality_tactic_shadowed\{feature="math",tactic="route"\} 0/);
    assert.match(metrics, /penny_quality_verdicts\{feature="math",tactic="route"\} 6/);
    assert.match(metrics, /penny_quality_agreement_ratio\{feature="math",tactic="route"\} 1/);
    assert.match(metrics, /penny_quality_evaluations 11/);
  });
});
