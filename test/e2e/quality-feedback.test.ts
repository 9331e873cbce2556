import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type Harness, startHarness } from './harness.js';

const ALICE = 'tok-alice-0123456789abcdef';
const BOB = 'tok-bob-0123456789abcdefgh';

describe('feedback: POST /v1/penny/feedback and the x-penny-feedback header', () => {
  let h: Harness;
  const client = (token: string) => new OpenAI({ apiKey: token, baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  const ask = async (token: string, headers: Record<string, string> = {}) => {
    const { response } = await client(token)
      .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, { headers })
      .withResponse();
    return response.headers.get('x-penny-request-id')!;
  };
  const rate = (token: string | null, body: unknown) =>
    fetch(`${h.app.url}/v1/penny/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const stored = async (id: string) => (await h.app.quality.ready())!.feedback.get(id);

  before(async () => {
    h = await startHarness({ config: { server: { port: 0, authTokens: { alice: ALICE, bob: BOB } } } });
  });
  after(() => h.close());

  test('the key that made a request rates it; the rating is stored beside the entry', async () => {
    const id = await ask(ALICE);
    const res = await rate(ALICE, { request_id: id, thumbs: 'up', score: 0.9, comment: 'spot on' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true, request_id: id });
    const f = await stored(id);
    assert.equal(f?.thumbs, 'up');
    assert.equal(f?.score, 0.9);
    assert.equal(f?.keyId, 'alice');
    assert.equal(f?.comment, 'spot on');
  });

  test('an unknown id and another key’s id both get 404; no token gets 401', async () => {
    const id = await ask(ALICE);
    const foreign = await rate(BOB, { request_id: id, thumbs: 'down' });
    assert.equal(foreign.status, 404);
    const body = (await foreign.json()) as { error: { message: string } };
    assert.match(body.error.message, /no request .* made with this key/);
    assert.equal(await stored(id), null);
    assert.equal((await rate(ALICE, { request_id: 'req_does_not_exist', thumbs: 'up' })).status, 404);
    assert.equal((await rate(null, { request_id: id, thumbs: 'up' })).status, 401);
  });

  test('bad input gets a 400 naming the field', async () => {
    const id = await ask(ALICE);
    const cases: Array<[unknown, string]> = [
      [{ request_id: id, thumbs: 'sideways' }, 'thumbs'],
      [{ request_id: id, score: 3 }, 'score'],
      [{ request_id: id }, 'score'],
      [{ thumbs: 'up' }, 'request_id'],
      [{ request_id: id, label: 'x'.repeat(101) }, 'label'],
    ];
    for (const [body, field] of cases) {
      const res = await rate(ALICE, body);
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 80));
      const err = ((await res.json()) as { error: { message: string; param?: string } }).error;
      assert.equal(err.param, field);
      assert.match(err.message, new RegExp(`^${field}`));
    }
    assert.equal(await stored(id), null);
  });

  test('the header form rates the previous answer on the next call, for its own key only', async () => {
    const first = await ask(ALICE);
    await ask(BOB, { 'x-penny-feedback': `${first};thumbs=up` }); // not Bob's to rate
    await h.app.quality.drain();
    assert.equal(await stored(first), null);
    const second = await ask(ALICE, { 'x-penny-feedback': `${first};thumbs=down;label=wrong-answer` });
    assert.ok(second);
    await h.app.quality.drain();
    const f = await stored(first);
    assert.equal(f?.thumbs, 'down');
    assert.equal(f?.label, 'wrong-answer');
    // A malformed header never fails the call it rides on.
    const third = await ask(ALICE, { 'x-penny-feedback': `${first};stars=5` });
    assert.ok(third);
    await h.app.quality.drain();
    assert.ok(h.logs.some((l) => l.includes('x-penny-feedback not stored') && l.includes('unknown part')));
  });
});
