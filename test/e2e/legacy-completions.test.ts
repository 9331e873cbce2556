/** Legacy POST /v1/completions with the official openai client: proxied, streamed and not, priced exactly. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type Harness, startHarness } from './harness.js';
import { assertOpenApi } from './openapi.js';

// gpt-3.5-turbo-instruct: $1.50 / 1M input, $2.00 / 1M output.
const cost = (i: number, o: number) => BigInt(i) * 1_500_000n + BigInt(o) * 2_000_000n;

describe('legacy completions', () => {
  let h: Harness;
  let client: OpenAI;
  before(async () => {
    h = await startHarness();
    client = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(() => h.close());

  test('non-streamed: proxied, priced, attributed', async () => {
    h.fake.reset();
    const { data, response } = await client.completions
      .create(
        { model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi #fake:words=5' },
        { headers: { 'x-penny-feature': 'legacy' } },
      )
      .withResponse();
    assertOpenApi('CreateCompletionResponse', data);
    assert.equal(h.fake.requests.at(-1)!.path, '/v1/completions');
    const e = (await h.entries()).find((x) => x.id === response.headers.get('x-penny-request-id'))!;
    assert.equal(e.feature, 'legacy');
    assert.equal(e.outputText, 5);
    assert.equal(e.inputUncached, data.usage!.prompt_tokens);
    assert.equal(e.cost, cost(e.inputUncached, 5));
    assert.equal(e.meta?.endpoint, 'completions');
  });

  test('streamed: usage asked upstream, hidden from the client that did not ask, priced', async () => {
    const stream = await client.completions.create({
      model: 'gpt-3.5-turbo-instruct',
      prompt: 'Stream #fake:words=4',
      stream: true,
    });
    let text = '';
    let sawUsage = false;
    for await (const c of stream) {
      text += c.choices[0]?.text ?? '';
      if (c.usage) sawUsage = true;
    }
    assert.match(text, /^echo: Stream/);
    assert.equal(sawUsage, false);
    const sent = h.fake.requests.at(-1)!.body as { stream_options?: { include_usage?: boolean } };
    assert.equal(sent.stream_options?.include_usage, true);
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.stream, true);
    assert.equal(e.outputText, 4);
    assert.equal(e.usageEstimated, false);
    assert.equal(e.cost, cost(e.inputUncached, 4));
  });

  test('a Claude model is refused in OpenAI shape', async () => {
    await assert.rejects(
      client.completions.create({ model: 'claude-haiku-4-5', prompt: 'x' }),
      (e: unknown) =>
        e instanceof OpenAI.BadRequestError && /no legacy completions API/.test((e as Error).message),
    );
  });
});
