import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanonicalRequest, Message } from '../../core/request.js';
import { countRequestTokens } from '../../tokens/index.js';
import type { RequestContext } from '../context.js';
import { compressRequest } from './compress-request.js';
import { compressFeatureSchema } from './config.js';
import type { Summarize } from './summarize.js';

const text = (role: Message['role'], t: string): Message => ({ role, content: [{ type: 'text', text: t }] });
const base = (messages: Message[], system = 'Be brief.'): CanonicalRequest => ({
  dialect: 'openai',
  model: 'gpt-4o',
  system: [{ type: 'text', text: system }],
  messages,
  stream: false,
  extra: {},
});
const policy = (v: unknown) => compressFeatureSchema.parse(v);

describe('compressRequest', () => {
  test('lossless transforms: exact savings per transform that add up, original untouched', async () => {
    const para = 'The customer ordered three items and paid with a card ending in 4242 last Tuesday.';
    const json = JSON.stringify({ order: { id: 17, items: ['a', 'b'] } }, null, 2);
    const req = base([text('user', `${para}\n\n${json}\n\n\n\n${para}\n\nWhat   was   ordered?`)]);
    const before = JSON.stringify(req);
    const r = await compressRequest(req, policy({}), { model: 'gpt-4o' });
    assert.equal(JSON.stringify(req), before, 'the request is not mutated');
    assert.ok(r.saved.dedupe! > 0 && r.saved.json! > 0 && r.saved.whitespace! > 0, JSON.stringify(r.saved));
    const sum = Object.values(r.saved).reduce((a, b) => a + b, 0);
    assert.equal(r.tokensBefore, countRequestTokens(req, 'gpt-4o').tokens);
    assert.equal(r.tokensBefore! - r.tokensAfter!, sum);
    assert.equal(r.tokensAfter, countRequestTokens(r.request, 'gpt-4o').tokens);
    assert.equal(r.exact, true);
    const out = (r.request.messages[0]!.content[0] as { text: string }).text;
    assert.equal(out, `${para}\n\n${JSON.stringify(JSON.parse(json))}\n\nWhat was ordered?`);
  });

  test('a section with every transform off changes nothing', async () => {
    const req = base([text('user', 'a   b\n\n\n\nc')]);
    const r = await compressRequest(req, policy({ whitespace: false, json: false, dedupe: false }), {
      model: 'gpt-4o',
    });
    assert.equal(r.request, req);
    assert.deepEqual(r.saved, {});
  });

  test('a request no transform changes is not counted: no token counts, nothing saved', async () => {
    const req = base([text('user', 'What was ordered last Tuesday?')]);
    const r = await compressRequest(req, policy({}), { model: 'gpt-4o' });
    assert.equal(r.request, req);
    assert.deepEqual(r.saved, {});
    assert.equal(r.tokensBefore, null);
    assert.equal(r.tokensAfter, null);
    assert.deepEqual(r.events, []);
  });

  test('history windowing drops old turns; over budget leaves the request as it was', async () => {
    const turns: Message[] = [];
    for (let i = 0; i < 10; i++) {
      turns.push(text('user', `Question ${i}: ${'lorem ipsum '.repeat(30)}`));
      turns.push(text('assistant', `Answer ${i}: ${'dolor sit '.repeat(30)}`));
    }
    turns.push(text('user', 'And the last question?'));
    const req = base(turns);
    const r = await compressRequest(req, policy({ history: { maxTokens: 300 } }), { model: 'gpt-4o' });
    assert.ok(r.request.messages.length < turns.length);
    assert.equal(r.request.messages.at(-1), turns.at(-1));
    assert.equal(r.request.messages[0]!.role, 'user');
    assert.ok(r.saved.history! > 0);
    assert.ok(r.tokensAfter! <= 300 + 20, `tokens after: ${r.tokensAfter}`);

    const tiny = await compressRequest(req, policy({ history: { maxTokens: 5 }, whitespace: false }), {
      model: 'gpt-4o',
    });
    assert.deepEqual(tiny.events, ['history_over_budget']);
    assert.equal(tiny.request.messages.length, turns.length);
  });

  test('summary of dropped turns is added to the first kept turn; a failing summariser is skipped', async () => {
    const turns: Message[] = [];
    for (let i = 0; i < 6; i++) {
      turns.push(text('user', `Q${i} ${'words '.repeat(60)}`));
      turns.push(text('assistant', `A${i} ${'more '.repeat(60)}`));
    }
    turns.push(text('user', 'Final?'));
    const seen: number[] = [];
    const summarize: Summarize = async (_ctx, dropped) => {
      seen.push(dropped.length);
      return { text: 'They discussed words.', cost: 5n, cached: false };
    };
    const ctx = {} as RequestContext;
    const p = policy({ history: { maxTokens: 400, summarize: { model: 'gpt-4o-mini', maxTokens: 50 } } });
    const r = await compressRequest(base(turns), p, { model: 'gpt-4o', summarize, ctx });
    assert.equal(seen.length, 1);
    const first = r.request.messages[0]!.content[0] as { text: string };
    assert.match(first.text, /^\[Summary of the earlier conversation: They discussed words\.\]/);
    assert.equal(r.history?.summary, 'new');
    assert.equal(r.history?.summaryCost, 5n);

    const failing: Summarize = async () => {
      throw new Error('down');
    };
    const f = await compressRequest(base(turns), p, { model: 'gpt-4o', summarize: failing, ctx });
    assert.ok(f.events.includes('summary_failed'));
    assert.ok(f.request.messages.length < turns.length, 'the window still applies');
  });

  test('context trimming keeps the relevant chunks of a retrieval prompt', async () => {
    const chunks = Array.from({ length: 12 }, (_, i) =>
      i === 7
        ? '[8] The warranty on the X200 blender covers the motor for five years.'
        : `[${i + 1}] ${'Unrelated filler about shipping policies and store hours. '.repeat(4)}`,
    );
    const req = base([
      text('user', `${chunks.join('\n\n')}\n\nQuestion: how long is the X200 blender warranty?`),
    ]);
    const r = await compressRequest(req, policy({ context: { maxTokens: 60 } }), { model: 'gpt-4o' });
    const out = (r.request.messages[0]!.content[0] as { text: string }).text;
    assert.match(out, /\[8\] The warranty/);
    assert.ok(!out.includes('[1] '), out.slice(0, 200));
    assert.match(out, /Question: how long is the X200 blender warranty\?$/);
    assert.ok(r.context!.kept < 12);
    assert.ok(r.saved.context! > 0);
  });

  test('config: a summary that leaves no room is a config error naming the field', () => {
    const r = compressFeatureSchema.safeParse({
      history: { maxTokens: 100, summarize: { model: 'm', maxTokens: 200 } },
    });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues[0]?.path, ['history', 'summarize', 'maxTokens']);
    assert.equal(compressFeatureSchema.safeParse({ history: { maxTokens: 0 } }).success, false);
  });
});
