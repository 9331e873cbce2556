import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type PennyApp, startPenny } from '../../src/app.js';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import type { QualityStores } from '../../src/quality/quality-stores.js';
import { type ScriptedUpstream, chatReply as reply, startScriptedUpstream } from './scripted-upstream.js';

const RUBRIC = 'Only the final number matters.';
const evaluationOf = (e: LedgerEntry) =>
  e.meta?.evaluation as { evaluates?: string; role?: string; tactic?: string; purpose?: string } | undefined;

describe('LLM judge and embedding agreement, on a scripted upstream', () => {
  let up: ScriptedUpstream;
  let app: PennyApp;
  let dir: string;
  let openai: OpenAI;
  let stores: QualityStores;

  before(async () => {
    up = await startScriptedUpstream();
    dir = mkdtempSync(join(tmpdir(), 'penny-judge-'));
    const route = { rules: [{ name: 'mini', targets: ['gpt-4o-mini'] }] };
    const guard = { floor: 0.5, minSamples: 50, window: 100 };
    app = await startPenny({
      object: {
        server: { port: 0 },
        ledger: { path: join(dir, 'ledger.db'), flushIntervalMs: 20 },
        circuitBreaker: { enabled: false },
        providers: {
          openai: { type: 'openai', baseUrl: `${up.url}/v1`, apiKey: 'sk-test-0123456789abcdefghij' },
        },
        features: {
          judged: {
            route,
            quality: {
              shadow: { sampleRate: 1, agreement: { kind: 'judge', model: 'gpt-4.1-mini', rubric: RUBRIC } },
              ...guard,
            },
          },
          // A budget the shadow call alone spends: the judge is never called.
          thrifty: {
            route,
            quality: {
              shadow: {
                sampleRate: 1,
                maxUsdPerDay: 0.000001,
                agreement: { kind: 'judge', model: 'gpt-4.1-mini' },
              },
              ...guard,
            },
          },
          similar: {
            route,
            quality: {
              shadow: { sampleRate: 1, agreement: { kind: 'embedding', minSimilarity: 0.6 } },
              ...guard,
            },
          },
        },
      },
      env: {},
    });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${app.url}/v1`, maxRetries: 0 });
    stores = (await app.quality.ready())!;
  });
  after(async () => {
    await app.close();
    await up.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function ask(feature: string, question = 'What is 6 × 7?'): Promise<string> {
    const { response } = await openai.chat.completions
      .create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: question }] },
        { headers: { 'x-penny-feature': feature } },
      )
      .withResponse();
    await app.quality.drain();
    return response.headers.get('x-penny-request-id')!;
  }
  const callsFor = async (id: string) => {
    await app.ledger.flush();
    return (await app.ledger.query({})).filter((e) => evaluationOf(e)?.evaluates === id);
  };
  const verdicts = () => app.quality.guardrail.states().find((s) => s.feature === 'judged')?.n ?? 0;

  test('the judge agrees: its call is an evaluation entry of its own, with the rubric and both answers', async () => {
    const sent = up.received.length;
    up.next(reply('gpt-4o-mini', 'It is 42.'));
    up.next(reply('gpt-4o', '6 × 7 = 42'));
    up.next(reply('gpt-4.1-mini', '{"verdict":"agree","score":0.9}'));
    const id = await ask('judged');
    const v = await stores.evaluations.get(id);
    assert.deepEqual(
      { verdict: v?.verdict, method: v?.method, score: v?.score, error: v?.error },
      { verdict: 'agree', method: 'judge', score: 0.9, error: null },
    );
    const calls = await callsFor(id);
    const shadow = calls.find((e) => evaluationOf(e)?.role === 'shadow')!;
    const judge = calls.find((e) => evaluationOf(e)?.role === 'judge')!;
    assert.equal(calls.length, 2);
    assert.equal(v?.evaluationId, shadow.id);
    assert.deepEqual(evaluationOf(judge), {
      purpose: 'evaluation',
      evaluates: id,
      tactic: 'route',
      role: 'judge',
    });
    assert.equal(judge.requestedModel, 'gpt-4.1-mini');
    assert.equal(judge.feature, 'judged');
    assert.ok(judge.flags.includes('evaluation'));
    assert.ok((judge.cost ?? 0n) > 0n, 'the judge call is paid for and recorded');
    assert.deepEqual(judge.savings, {}, 'and never counted as saved');
    // What the judge was asked: the request, the as-sent answer as reference, the tactic's as candidate.
    const judgeBody = JSON.parse(up.received[sent + 2]!) as {
      model: string;
      messages: { content: string }[];
    };
    assert.equal(judgeBody.model, 'gpt-4.1-mini');
    assert.match(judgeBody.messages[0]!.content, /Rubric:\nOnly the final number matters\./);
    assert.match(judgeBody.messages[1]!.content, /user: What is 6 × 7\?/);
    assert.match(judgeBody.messages[1]!.content, /<reference_answer>\n6 × 7 = 42\n/);
    assert.match(judgeBody.messages[1]!.content, /<candidate_answer>\nIt is 42\.\n/);
    assert.equal(verdicts(), 1);
  });

  test('the judge disagrees: a disagreement the guardrail counts', async () => {
    up.next(reply('gpt-4o-mini', 'It is 41.'));
    up.next(reply('gpt-4o', '42'));
    up.next(reply('gpt-4.1-mini', '```json\n{"verdict": "disagree"}\n```'));
    const id = await ask('judged');
    const v = await stores.evaluations.get(id);
    assert.equal(v?.verdict, 'disagree');
    assert.equal(v?.score, null);
    assert.equal(verdicts(), 2);
    assert.equal(app.quality.guardrail.states().find((s) => s.feature === 'judged')?.agree, 1);
  });

  test('a judge that answers garbage is no verdict, never agreement, and not evidence', async () => {
    for (const garbage of [
      'Yes, both answers agree.',
      '{"verdict":"agree","because":"same"}',
      '{"verdict":"yes"}',
    ]) {
      up.next(reply('gpt-4o-mini', 'It is 42.'));
      up.next(reply('gpt-4o', '42'));
      up.next(reply('gpt-4.1-mini', garbage));
      const id = await ask('judged');
      const v = await stores.evaluations.get(id);
      assert.equal(v?.verdict, 'none', garbage);
      assert.match(v?.error ?? '', /^judge: /);
      assert.equal((await callsFor(id)).length, 2, 'judged once, not asked again');
    }
    assert.equal(verdicts(), 2, 'no verdict is not evidence either way');
  });

  test('a judge call that fails is no verdict, recorded once; the client never sees it', async () => {
    up.next(reply('gpt-4o-mini', 'It is 42.'));
    up.next(reply('gpt-4o', '42'));
    up.next({
      status: 500,
      headers: { 'content-type': 'application/json' },
      chunks: ['{"error":{"message":"boom"}}'],
    });
    const id = await ask('judged');
    const v = await stores.evaluations.get(id);
    assert.equal(v?.verdict, 'none');
    assert.match(v?.error ?? '', /^judge call: /);
    const judge = (await callsFor(id)).filter((e) => evaluationOf(e)?.role === 'judge');
    assert.equal(judge.length, 1);
    assert.equal(judge[0]?.status, 'error');
  });

  test('the judge counts against the evaluation budget: once the shadow call spent it, no judge call', async () => {
    const sent = up.received.length;
    up.next(reply('gpt-4o-mini', 'It is 42.'));
    up.next(reply('gpt-4o', '42'));
    const id = await ask('thrifty');
    assert.equal(up.received.length, sent + 2, 'no judge call');
    const v = await stores.evaluations.get(id);
    assert.equal(v?.verdict, 'none');
    assert.equal(v?.error, 'evaluation budget spent before the judge call');
    // The next request of the feature is not evaluated at all.
    up.next(reply('gpt-4o-mini', 'It is 42.'));
    const next = await ask('thrifty');
    assert.equal(await stores.evaluations.get(next), null);
    assert.equal(up.received.length, sent + 3);
  });

  test('embedding similarity with the offline embedder: close wording agrees, unrelated text does not', async () => {
    up.next(reply('gpt-4o-mini', 'The capital of France is Paris.'));
    up.next(reply('gpt-4o', 'Paris is the capital city of France.'));
    const a = await ask('similar', 'What is the capital of France?');
    const va = await stores.evaluations.get(a);
    assert.equal(va?.verdict, 'agree');
    assert.equal(va?.method, 'embedding');
    assert.ok(va!.score! >= 0.6 && va!.score! < 1, `similarity ${va?.score}`);

    // The Anthropic client gets the same evaluation (the shadow call is made in its dialect).
    const anthropic = new Anthropic({ apiKey: 'penny', baseURL: app.url, maxRetries: 0 });
    up.next(reply('gpt-4o-mini', 'Photosynthesis turns light into chemical energy.'));
    up.next(reply('gpt-4o', 'Paris is the capital city of France.'));
    const { response } = await anthropic.messages
      .create(
        {
          model: 'gpt-4o',
          max_tokens: 100,
          messages: [{ role: 'user', content: 'What is the capital of France?' }],
        },
        { headers: { 'x-penny-feature': 'similar' } },
      )
      .withResponse();
    await app.quality.drain();
    const b = response.headers.get('x-penny-request-id')!;
    const vb = await stores.evaluations.get(b);
    assert.equal(vb?.verdict, 'disagree');
    assert.ok(vb!.score! < 0.3, `similarity ${vb?.score}`);
  });
});
