import assert from 'node:assert/strict';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { PennyError } from '../../../core/errors.js';
import { OpenAIEmbedder } from './openai-embedder.js';

interface Seen {
  auth: string | undefined;
  body: { model: string; input: string[]; dimensions?: number };
}

describe('OpenAIEmbedder against a local /v1/embeddings', () => {
  let server: Server;
  let baseUrl = '';
  const seen: Seen[] = [];
  let mode: 'ok' | 'status' | 'garbage' | 'short' | 'hang' = 'ok';
  let status = 200;

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.on('data', (c) => {
        raw += c;
      });
      req.on('end', () => {
        if (req.url !== '/v1/embeddings' || req.method !== 'POST') {
          res.writeHead(404).end();
          return;
        }
        const body = JSON.parse(raw) as Seen['body'];
        seen.push({ auth: req.headers.authorization, body });
        if (mode === 'hang') return;
        if (mode === 'status') {
          res.writeHead(status, { 'content-type': 'application/json' }).end('{"error":{"message":"no"}}');
          return;
        }
        if (mode === 'garbage') {
          res.writeHead(200).end('not json');
          return;
        }
        const data = body.input.map((text, index) => ({
          object: 'embedding',
          index,
          embedding: [text.length, 1, 0, 0],
        }));
        if (mode === 'short') data.pop();
        // answer out of order: the client must place vectors by index
        data.reverse();
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            object: 'list',
            data,
            usage: { prompt_tokens: body.input.length * 3, total_tokens: 0 },
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('batches, normalises, orders by index and sums usage', async () => {
    mode = 'ok';
    seen.length = 0;
    const e = new OpenAIEmbedder({
      baseUrl: `${baseUrl}/v1`,
      apiKey: 'sk-test',
      model: 'emb-1',
      dims: 4,
      batchSize: 2,
      requestDimensions: true,
    });
    const r = await e.embedWithUsage(['a', 'bbb', 'cc']);
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[0]!.body.input, ['a', 'bbb']);
    assert.equal(seen[0]!.body.model, 'emb-1');
    assert.equal(seen[0]!.body.dimensions, 4);
    assert.equal(seen[0]!.auth, 'Bearer sk-test');
    assert.deepEqual(r.usage, { model: 'emb-1', promptTokens: 9 });
    assert.equal(r.vectors.length, 3);
    const expect = (n: number) => [n / Math.sqrt(n * n + 1), 1 / Math.sqrt(n * n + 1)];
    for (const [i, n] of [1, 3, 2].entries()) {
      const v = r.vectors[i]!;
      assert.ok(Math.abs(v[0]! - expect(n)[0]!) < 1e-6 && Math.abs(v[1]! - expect(n)[1]!) < 1e-6);
    }
    assert.equal((await e.embed(['x'])).length, 1);
    assert.equal(e.id, 'openai:emb-1/4');
  });

  test('maps HTTP errors to upstream codes', async () => {
    mode = 'status';
    const e = new OpenAIEmbedder({ baseUrl, model: 'emb-1', dims: 4 });
    for (const [s, code, retryable] of [
      [401, 'upstream_auth', false],
      [429, 'upstream_rate_limited', true],
      [400, 'upstream_bad_request', false],
      [503, 'upstream_error', true],
    ] as const) {
      status = s;
      await assert.rejects(e.embed(['a']), (err: unknown) => {
        assert.ok(err instanceof PennyError);
        assert.equal(err.code, code);
        assert.equal(err.retryable, retryable);
        return true;
      });
    }
  });

  test('rejects malformed responses and times out', async () => {
    const e = new OpenAIEmbedder({ baseUrl, model: 'emb-1', dims: 4, timeoutMs: 150 });
    mode = 'garbage';
    await assert.rejects(e.embed(['a']), { code: 'upstream_bad_response' });
    mode = 'short';
    await assert.rejects(e.embed(['a', 'b']), { code: 'upstream_bad_response' });
    await assert.rejects(new OpenAIEmbedder({ baseUrl, model: 'm', dims: 3 }).embed(['a']), {
      code: 'upstream_bad_response',
    });
    mode = 'hang';
    await assert.rejects(e.embed(['a']), { code: 'upstream_timeout' });
    mode = 'ok';
    const dead = new OpenAIEmbedder({ baseUrl: 'http://127.0.0.1:1', model: 'm', dims: 4, timeoutMs: 500 });
    await assert.rejects(dead.embed(['a']), { code: 'upstream_unreachable' });
  });
});
