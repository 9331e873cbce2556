/**
 * Streams that break or turn malformed upstream: the client sees a proper error in its dialect, and the
 * ledger keeps every count the provider did report (estimating only what it did not).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type Harness, startHarness } from './harness.js';

/** 3,524 characters: the fake upstream reports ceil(chars / 4) = 881 input tokens. */
const PROMPT_881 = `${'tokens '.repeat(503)}abc`;

describe('broken and malformed upstream streams', () => {
  let h: Harness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    h = await startHarness();
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
  });
  after(() => h.close());

  test('an Anthropic stream broken after message_start keeps the provider input split (881/346/134)', async () => {
    assert.equal(PROMPT_881.length, 3524);
    const before = (await h.entries()).length;
    h.fake.setNext({ cached: 346, cacheWrite: 134, breakAfter: 2, words: 30 });
    let started: Anthropic.Usage | undefined;
    await assert.rejects(async () => {
      const s = await anthropic.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 200,
        stream: true,
        messages: [{ role: 'user', content: PROMPT_881 }],
      });
      for await (const ev of s) if (ev.type === 'message_start') started = ev.message.usage;
    }, Anthropic.APIError);
    assert.equal(started?.input_tokens, 881);
    // The same break with an OpenAI client served by the Anthropic model (translated stream).
    h.fake.setNext({ cached: 346, cacheWrite: 134, breakAfter: 2, words: 30 });
    await assert.rejects(async () => {
      const s = await openai.chat.completions.create({
        model: 'claude-haiku-4-5',
        max_tokens: 200,
        stream: true,
        messages: [{ role: 'user', content: PROMPT_881 }],
      });
      for await (const _ of s);
    }, OpenAI.APIError);
    const entries = (await h.entries()).slice(before);
    assert.equal(entries.length, 2);
    for (const e of entries) {
      assert.equal(e.status, 'error');
      assert.equal(e.errorClass, 'upstream_stream_broken');
      assert.deepEqual(
        [e.inputUncached, e.cacheRead, e.cacheWrite5m, e.cacheWrite1h],
        [881, 346, 134, 0],
        `${e.dialect} client: the provider's input counts are kept`,
      );
      assert.ok(e.outputText > 0, 'the output generated before the break is estimated');
      assert.equal(e.usageEstimated, true);
      assert.ok(e.flags.includes('usage_estimated'));
      assert.notEqual(e.cost, null);
    }
  });
});
