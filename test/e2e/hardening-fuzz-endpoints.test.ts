/**
 * Issue 15: the fuzz pass over every other POST endpoint — /v1/responses, /v1/embeddings, /v1/completions,
 * /v1/messages/count_tokens, /v1/penny/feedback and the batch pass-through JSON routes (POST /v1/batches,
 * /v1/messages/batches). 2,000 generated bad bodies each (byte flips, truncation, wrong types and nulls,
 * nesting 20,000 deep, invalid UTF-8, huge numbers, non-objects, wrong content types): no 5xx that the
 * upstream did not cause, no hang, every error in the endpoint's dialect shape, and every error Penny makes
 * names the field (or says the body is not JSON). Seeded, so a failure reproduces.
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import fc from 'fast-check';
import {
  type BodySpec,
  type ErrorDialect,
  badBodies,
  dialectError,
  post,
  unnamedField,
} from './fuzz-bodies.js';
import { type Harness, startHarness } from './harness.js';

const RUNS = Number(process.env.PENNY_FUZZ_RUNS ?? 2000);
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

interface Endpoint extends BodySpec {
  path: string;
  dialect: ErrorDialect;
  seed: number;
  /**
   * `every`: every request, however bad, gets one ledger entry (the chat pipeline); `served`: every 200 does
   * (a body refused before the model call is not a call); `none`: the endpoint calls no model.
   */
  ledger: 'every' | 'served' | 'none';
  /** Sent with every request (the batch routes: the key that owns the uploaded file). */
  headers?: Record<string, string>;
}

const CALLER = 'sk-fuzz-caller';

describe('fuzzing every other POST endpoint with bad bodies', () => {
  let h: Harness;
  const endpoints: Endpoint[] = [];
  before(async () => {
    h = await startHarness();
    const client = new OpenAI({ apiKey: CALLER, baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    const requestId = response.headers.get('x-penny-request-id');
    assert.ok(requestId);
    const line = JSON.stringify({
      custom_id: 'a',
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    });
    const file = await client.files.create({
      file: await toFile(Buffer.from(`${line}\n`), 'in.jsonl'),
      purpose: 'batch',
    });
    endpoints.push(
      {
        path: '/v1/responses',
        dialect: 'openai',
        seed: 1501,
        ledger: 'every',
        base: {
          model: 'gpt-4o-mini',
          input: [{ role: 'user', content: 'hi #fake:words=3' }],
          instructions: 'be brief',
          max_output_tokens: 20,
          temperature: 0.5,
          top_p: 1,
          metadata: { a: 'b' },
          store: false,
        },
        numeric: ['max_output_tokens', 'temperature', 'top_p'],
        nested: ['input', 'metadata', 'tools'],
      },
      {
        path: '/v1/embeddings',
        dialect: 'openai',
        seed: 1502,
        ledger: 'served',
        base: { model: 'text-embedding-3-small', input: ['hello', 'world'], dimensions: 8, user: 'u' },
        numeric: ['dimensions'],
        nested: ['input'],
      },
      {
        path: '/v1/completions',
        dialect: 'openai',
        seed: 1503,
        ledger: 'served',
        base: {
          model: 'gpt-3.5-turbo-instruct',
          prompt: 'hi #fake:words=3',
          max_tokens: 20,
          temperature: 0.5,
        },
        numeric: ['max_tokens', 'temperature', 'n', 'top_p'],
        nested: ['prompt'],
      },
      {
        path: '/v1/messages/count_tokens',
        dialect: 'anthropic',
        seed: 1504,
        ledger: 'none',
        base: {
          model: 'claude-haiku-4-5',
          system: 'be brief',
          messages: [{ role: 'user', content: 'hi' }],
          tools: [{ name: 'f', input_schema: { type: 'object', properties: {} } }],
        },
        numeric: ['max_tokens'],
        nested: ['messages', 'system', 'tools'],
      },
      {
        path: '/v1/penny/feedback',
        dialect: 'openai',
        seed: 1505,
        ledger: 'none',
        base: { request_id: requestId, score: 0.5, label: 'ok', thumbs: 'up', comment: 'fine' },
        numeric: ['score'],
        nested: ['comment'],
      },
      {
        path: '/v1/batches',
        dialect: 'openai',
        seed: 1506,
        ledger: 'none',
        headers: { authorization: `Bearer ${CALLER}` },
        base: { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' },
        numeric: ['completion_window'],
        nested: ['metadata'],
      },
      {
        path: '/v1/messages/batches',
        dialect: 'anthropic',
        seed: 1507,
        ledger: 'none',
        headers: { 'x-api-key': CALLER },
        base: {
          requests: [
            {
              custom_id: 'a',
              params: {
                model: 'claude-haiku-4-5',
                max_tokens: 10,
                messages: [{ role: 'user', content: 'hi' }],
              },
            },
          ],
        },
        numeric: ['requests'],
        nested: ['requests'],
      },
    );
  });
  after(async () => {
    agent.destroy();
    await h.close();
  });

  test(`each endpoint: ${RUNS} bad bodies → no 5xx Penny caused, no hang, dialect-shaped errors naming the field`, async (t) => {
    for (const ep of endpoints) {
      const good = await post(
        agent,
        h.app.url,
        ep.path,
        Buffer.from(JSON.stringify(ep.base)),
        'application/json',
        ep.headers,
      );
      assert.equal(
        good.status,
        200,
        `${ep.path}: the undamaged body is accepted: ${good.body.slice(0, 300)}`,
      );
      const fields = [...Object.keys(ep.base), ...ep.numeric, ...ep.nested, 'whatever'];
      const bodies = fc.sample(badBodies(ep), { numRuns: RUNS, seed: ep.seed });
      const before = (await h.entries()).length;
      const problems: string[] = [];
      const statuses = new Map<number, number>();
      let next = 0;
      const worker = async () => {
        while (next < bodies.length) {
          const bad = bodies[next++]!;
          const r = await post(agent, h.app.url, ep.path, bad.body, bad.contentType, ep.headers);
          const show = `${r.status} for ${bad.contentType} ${bad.body.subarray(0, 160).toString()}: ${r.body.slice(0, 240)}`;
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status < 300) continue;
          const err = dialectError(ep.dialect, r.body);
          if (!err) {
            problems.push(`not a ${ep.dialect} error: ${show}`);
            continue;
          }
          const upstream = err.code.startsWith('upstream_');
          if (r.status >= 500 && !upstream) problems.push(`Penny's own 5xx: ${show}`);
          // The upstream's own message (a 4xx it answered) is passed on as it came.
          if (upstream) continue;
          const why = unnamedField(err, fields, r.status === 400 ? bad.field : undefined);
          if (why) problems.push(`message ${why}: ${show}`);
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      t.diagnostic(`${ep.path} statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
      assert.deepEqual(problems.slice(0, 5), [], `${ep.path}: ${problems.length} problems`);
      const added = (await h.entries()).slice(before);
      if (ep.ledger === 'every')
        assert.equal(added.length, bodies.length, `${ep.path}: one ledger entry per request`);
      if (ep.ledger === 'served') {
        assert.ok(added.length <= bodies.length, `${ep.path}: at most one ledger entry per request`);
        assert.equal(
          added.filter((e) => e.httpStatus === 200).length,
          statuses.get(200) ?? 0,
          `${ep.path}: one ledger entry per answer served`,
        );
      }
      if (ep.ledger === 'none') assert.equal(added.length, 0, `${ep.path}: no ledger entry`);
    }
  });
});
