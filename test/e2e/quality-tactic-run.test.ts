import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type PennyApp, startPenny } from '../../src/app.js';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { createPenny } from '../../src/index.js';
import type { QualityStores } from '../../src/quality/quality-stores.js';
import { type ScriptedUpstream, chatReply as reply, startScriptedUpstream } from './scripted-upstream.js';

const evaluationOf = (e: LedgerEntry) =>
  e.meta?.evaluation as { evaluates?: string; role?: string; tactics?: string[] } | undefined;

describe('shadow mode: tactic runs off the path (failures, unchanged runs, a judge), and the library face', () => {
  let up: ScriptedUpstream;
  let app: PennyApp;
  let dir: string;
  let openai: OpenAI;
  let stores: QualityStores;
  // The route only applies to questions that say "sum"; the judge compares the answers.
  const config = (sampleRate: number) => ({
    server: { port: 0 },
    ledger: { path: join(dir, 'ledger.db'), flushIntervalMs: 20 },
    circuitBreaker: { enabled: false },
    providers: {
      openai: { type: 'openai', baseUrl: `${up.url}/v1`, apiKey: 'sk-test-0123456789abcdefghij' },
    },
    features: {
      math: {
        route: { rules: [{ name: 'mini', when: { pattern: 'sum' }, targets: ['gpt-4o-mini'] }] },
        cache: { enabled: true },
        quality: {
          shadow: { sampleRate, agreement: { kind: 'judge', model: 'gpt-4.1-mini' } },
          floor: 0.5,
          minSamples: 2,
          window: 10,
        },
      },
    },
  });

  before(async () => {
    up = await startScriptedUpstream();
    dir = mkdtempSync(join(tmpdir(), 'penny-tactic-run-'));
    app = await startPenny({ object: config(1), env: {} });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${app.url}/v1`, maxRetries: 0 });
    stores = (await app.quality.ready())!;
  });
  after(async () => {
    await app.close();
    await up.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function ask(
    question: string,
    replies: Array<[string, string] | 'fail'>,
    temperature?: number,
  ): Promise<string> {
    for (const r of replies)
      up.next(
        r === 'fail'
          ? {
              status: 500,
              headers: { 'content-type': 'application/json' },
              chunks: ['{"error":{"message":"boom"}}'],
            }
          : reply(r[0], r[1]),
      );
    const { data, response } = await openai.chat.completions
      .create(
        {
          model: 'gpt-4o',
          messages: [{ role: 'user', content: question }],
          ...(temperature !== undefined ? { temperature } : {}),
        },
        { headers: { 'x-penny-feature': 'math' } },
      )
      .withResponse();
    assert.ok(data.choices[0]?.message.content);
    await app.quality.drain();
    return response.headers.get('x-penny-request-id')!;
  }
  const callsFor = async (id: string) => {
    await app.ledger.flush();
    return (await app.ledger.query({})).filter((e) => evaluationOf(e)?.evaluates === id);
  };
  const route = () => app.quality.guardrail.states().find((s) => s.tactic === 'route');

  test('trip on two judged disagreements', async () => {
    app.quality.random = () => 0.1;
    for (let i = 0; i < 2; i++)
      await ask('What is the sum of 2 and 2?', [
        ['gpt-4o-mini', '5'], // the client, routed
        ['gpt-4o', '4'], // the shadow call, as sent
        ['gpt-4.1-mini', '{"verdict":"disagree"}'], // the judge
      ]);
    assert.equal(route()?.mode, 'shadow');
  });

  test('shadowed: the judge sees the client’s answer as reference and the tactic run’s as candidate', async () => {
    const sent = up.received.length;
    const id = await ask('What is the sum of 2 and 2?', [
      ['gpt-4o', 'Four.'], // the client, as sent
      ['gpt-4o-mini', '4'], // the tactic run, routed
      ['gpt-4.1-mini', '{"verdict":"agree","score":0.8}'],
    ]);
    const judge = JSON.parse(up.received[sent + 2]!) as { messages: { content: string }[] };
    assert.match(judge.messages[1]!.content, /<reference_answer>\nFour\.\n<\/reference_answer>/);
    assert.match(judge.messages[1]!.content, /<candidate_answer>\n4\n<\/candidate_answer>/);
    const v = await stores.evaluations.get(id);
    assert.deepEqual([v?.verdict, v?.method, v?.score, v?.tactic], ['agree', 'judge', 0.8, 'route']);
    const calls = await callsFor(id);
    assert.deepEqual(calls.map((e) => evaluationOf(e)?.role).sort(), ['judge', 'tactic']);
  });

  test('a tactic run that fails is no verdict for the shadowed tactic, once; the client had its answer', async () => {
    const id = await ask('What is the sum of 3 and 3?', [['gpt-4o', '6'], 'fail']);
    const v = await stores.evaluations.get(id);
    assert.equal(v?.verdict, 'none');
    assert.equal(v?.tactic, 'route');
    assert.match(v?.error ?? '', /^tactic run: /);
    const calls = await callsFor(id);
    assert.equal(calls.length, 1, 'not retried, no judge');
    assert.equal(calls[0]?.status, 'error');
  });

  test('a tactic run the tactic did not change is no evidence and records nothing', async () => {
    const before = route()?.n;
    const unchanged = app.quality.shadow.stats.unchanged;
    // No "sum": the route rule does not match, so the run is served as sent too. The request is cacheable
    // (temperature 0): the client's answer is stored, but the run neither reads nor writes the cache.
    const id = await ask(
      'What is 3 times 3?',
      [
        ['gpt-4o', '9'],
        ['gpt-4o', '9'],
      ],
      0,
    );
    assert.equal(await stores.evaluations.get(id), null);
    assert.equal(route()?.n, before);
    assert.equal(app.quality.shadow.stats.unchanged, unchanged + 1);
    const [run] = await callsFor(id);
    assert.equal(evaluationOf(run!)?.role, 'tactic');
    assert.equal(evaluationOf(run!)?.tactics, undefined);
    assert.deepEqual(run!.meta?.cache, { status: 'bypass', reason: 'header' });
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    assert.match(metrics, /penny_quality_tactic_runs 3/);
    assert.match(metrics, /penny_quality_tactic_runs_unchanged 1/);
  });

  test('the library face reads the guardrail state before its first request', async () => {
    await app.close();
    // sampleRate 0: no tactic run, so the only upstream call is the client's.
    const penny = createPenny({ object: config(0), env: {} });
    try {
      const client = new OpenAI({
        apiKey: 'penny',
        baseURL: 'http://penny.local/v1',
        fetch: penny.fetch,
        maxRetries: 0,
      });
      up.next(reply('gpt-4o', '4'));
      await client.chat.completions.create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'What is the sum of 2 and 2?' }] },
        { headers: { 'x-penny-feature': 'math' } },
      );
      assert.equal(penny.lastEntry?.servedModel, 'gpt-4o', 'the route stays off: it was shadowed');
      assert.deepEqual(penny.lastEntry?.savings, {});
    } finally {
      await penny.close();
      app = await startPenny({ object: config(1), env: {} });
    }
  });
});
