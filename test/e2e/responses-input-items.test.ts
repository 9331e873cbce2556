/**
 * `GET /v1/responses/{id}/input_items` with the official openai client: the items a stored response was
 * generated from (history expanded), each list validated against OpenAI's `ResponseItemList` schema, ids
 * stable across calls, pagination by `after`, both orders, and bad input answered in OpenAI's error shape.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type Harness, startHarness } from './harness.js';
import { assertOpenApi } from './openapi.js';

describe('GET /v1/responses/{id}/input_items', () => {
  let h: Harness;
  let client: OpenAI;
  before(async () => {
    h = await startHarness({ config: { responses: { store: 'memory' } } });
    client = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(() => h.close());

  const all = async (id: string, query: OpenAI.Responses.InputItemListParams = {}) => {
    const page = await client.responses.inputItems.list(id, query);
    // The same list on the wire, validated against the spec.
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
    const raw = await fetch(`${h.app.url}/v1/responses/${id}/input_items?${qs}`);
    assertOpenApi('ResponseItemList', await raw.json());
    return page;
  };

  for (const model of ['gpt-4o-mini', 'claude-haiku-4-5']) {
    test(`a conversation's items, newest first by default, with tool calls (${model})`, async () => {
      const weather = {
        type: 'function' as const,
        name: 'get_weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        strict: false,
      };
      const first = await client.responses.create({
        model,
        input: 'Weather in Paris?',
        tools: [weather],
        tool_choice: 'required',
      });
      const call = first.output.find((o) => o.type === 'function_call');
      assert.ok(call && call.type === 'function_call');
      const second = await client.responses.create({
        model,
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp": 21}' }],
        tools: [weather],
      });

      const firstItems = await all(first.id);
      assert.equal(firstItems.data.length, 1);
      const only = firstItems.data[0]!;
      assert.equal(only.type, 'message');
      assert.ok(only.type === 'message' && only.role === 'user');
      assert.deepEqual((only as { content: unknown }).content, [
        { type: 'input_text', text: 'Weather in Paris?' },
      ]);

      // The second response was generated from the first turn, the tool call and its output.
      const desc = await all(second.id);
      assert.deepEqual(
        desc.data.map((i) => i.type),
        ['function_call_output', 'function_call', 'message'],
      );
      const asc = await all(second.id, { order: 'asc' });
      assert.deepEqual(
        asc.data.map((i) => i.id),
        desc.data.map((i) => i.id).reverse(),
      );
      const fc = asc.data[1]!;
      assert.ok(fc.type === 'function_call');
      assert.equal(fc.call_id, call.call_id);
      // Ids are stable: listing again gives the same ones, and the first turn's message keeps its id.
      assert.deepEqual(
        (await all(second.id, { order: 'asc' })).data.map((i) => i.id),
        asc.data.map((i) => i.id),
      );
      assert.equal(asc.data[0]!.id, only.id);
      assert.equal(new Set(asc.data.map((i) => i.id)).size, 3);
    });
  }

  test('pagination: limit and after walk every item once; has_more, first_id and last_id agree', async () => {
    const input = Array.from({ length: 7 }, (_, i) => ({ role: 'user' as const, content: `item ${i}` }));
    const r = await client.responses.create({ model: 'gpt-4o-mini', input });
    const seen: string[] = [];
    let afterId: string | undefined;
    for (;;) {
      const raw = await fetch(
        `${h.app.url}/v1/responses/${r.id}/input_items?order=asc&limit=3${afterId ? `&after=${afterId}` : ''}`,
      );
      assert.equal(raw.status, 200);
      const page = (await raw.json()) as {
        data: Array<{ id: string; content: Array<{ text: string }> }>;
        has_more: boolean;
        first_id: string;
        last_id: string;
      };
      assertOpenApi('ResponseItemList', page);
      assert.equal(page.first_id, page.data[0]!.id);
      assert.equal(page.last_id, page.data.at(-1)!.id);
      seen.push(...page.data.map((d) => d.content[0]!.text));
      if (!page.has_more) break;
      afterId = page.last_id;
    }
    assert.deepEqual(
      seen,
      input.map((i) => i.content),
    );
    // The SDK's auto-pagination walks the same items.
    const viaSdk: string[] = [];
    for await (const item of client.responses.inputItems.list(r.id, { order: 'asc', limit: 2 }))
      viaSdk.push((item as { content: Array<{ text: string }> }).content[0]!.text);
    assert.deepEqual(viaSdk, seen);
  });

  test('bad input: unknown response 404, bad limit/order/after 400 naming the parameter, POST 405', async () => {
    await assert.rejects(client.responses.inputItems.list('resp_nope'), (e: unknown) => {
      assert.ok(e instanceof OpenAI.NotFoundError);
      assert.match((e as Error).message, /resp_nope/);
      return true;
    });
    const r = await client.responses.create({ model: 'gpt-4o-mini', input: 'one' });
    for (const [query, param] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=abc', 'limit'],
      ['order=sideways', 'order'],
      ['after=msg_unknown', 'after'],
    ] as const) {
      const res = await fetch(`${h.app.url}/v1/responses/${r.id}/input_items?${query}`);
      assert.equal(res.status, 400, query);
      const body = (await res.json()) as { error: { param: string; type: string } };
      assert.equal(body.error.param, param);
      assert.equal(body.error.type, 'invalid_request_error');
    }
    const post = await fetch(`${h.app.url}/v1/responses/${r.id}/input_items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(post.status, 405);
    const empty = await fetch(`${h.app.url}/v1/responses//input_items`);
    assert.equal(empty.status, 404);
  });
});
