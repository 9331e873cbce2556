import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { toFile } from 'openai';
import { type FakeUpstream, startFakeUpstream } from './index.js';

describe('fake upstream: batch APIs with the official SDKs', () => {
  let fake: FakeUpstream;
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    fake = await startFakeUpstream();
    openai = new OpenAI({ apiKey: 'k', baseURL: `${fake.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'k', baseURL: fake.url, maxRetries: 0 });
  });
  after(() => fake.close());
  const line = (id: string, text: string) =>
    JSON.stringify({
      custom_id: id,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] },
    });

  test('OpenAI: upload, create, in progress, completed with output and per-line error files', async () => {
    fake.batchApi.delayMs = 200;
    const file = await openai.files.create({
      file: await toFile(
        Buffer.from(`${line('a', 'hello')}\n${line('b', 'bad #fake:line_error')}\n`),
        'in.jsonl',
      ),
      purpose: 'batch',
    });
    const b = await openai.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    assert.equal((await openai.batches.retrieve(b.id)).status, 'in_progress');
    await new Promise((r) => setTimeout(r, 250));
    const done = await openai.batches.retrieve(b.id);
    assert.equal(done.status, 'completed');
    const out = (await (await openai.files.content(done.output_file_id!)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(out.length, 1);
    assert.equal(out[0].custom_id, 'a');
    assert.match(out[0].response.body.choices[0].message.content, /^echo: hello/);
    const errs = (await (await openai.files.content(done.error_file_id!)).text()).trim().split('\n');
    assert.equal(JSON.parse(errs[0]!).custom_id, 'b');
    fake.batchApi.delayMs = 0;
  });

  test('OpenAI: rejected, failed and expired batches', async () => {
    const up = async (t: string) =>
      openai.files.create({
        file: await toFile(Buffer.from(`${line('x', t)}\n${line('y', 'fine')}\n`), 'in.jsonl'),
        purpose: 'batch',
      });
    await assert.rejects(
      openai.batches.create({
        input_file_id: (await up('#fake:batch_reject')).id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      }),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 400,
    );
    const failed = await openai.batches.create({
      input_file_id: (await up('#fake:batch_fail')).id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    assert.equal((await openai.batches.retrieve(failed.id)).status, 'failed');
    const expired = await openai.batches.create({
      input_file_id: (await up('#fake:batch_expire')).id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const e = await openai.batches.retrieve(expired.id);
    assert.equal(e.status, 'expired');
    const errs = (await (await openai.files.content(e.error_file_id!)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(errs[0].error.code, 'batch_expired');
  });

  test('Anthropic: message batch create, status, results', async () => {
    const b = await anthropic.messages.batches.create({
      requests: [
        {
          custom_id: 'a',
          params: {
            model: 'claude-3-5-haiku-latest',
            max_tokens: 50,
            messages: [{ role: 'user', content: 'hi there' }],
          },
        },
        {
          custom_id: 'b',
          params: {
            model: 'claude-3-5-haiku-latest',
            max_tokens: 50,
            messages: [{ role: 'user', content: 'x #fake:line_error' }],
          },
        },
      ],
    });
    const s = await anthropic.messages.batches.retrieve(b.id);
    assert.equal(s.processing_status, 'ended');
    const results = [];
    for await (const r of await anthropic.messages.batches.results(b.id)) results.push(r);
    assert.equal(results[0]?.result.type, 'succeeded');
    assert.equal(results[1]?.result.type, 'errored');
  });
});
