import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { toFile } from 'openai';
import { type PennyApp, startPenny } from '../../src/app.js';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { createKey, revokeKey } from '../../src/governance/key-admin.js';
import { openStores } from '../../src/governance/governance.js';
import { silentLogger } from '../../src/observability/logger.js';
import { computeCost } from '../../src/pricing/cost.js';
import { type FakeUpstream, startFakeUpstream } from '../fake-upstream/index.js';
import { ANTHROPIC_KEY, OPENAI_KEY } from './harness.js';

const TEAM_A = 'penny-token-team-a-0123456789';
const TEAM_B = 'penny-token-team-b-0123456789';

interface Meta {
  batchPassthrough?: { batchId: string; customId: string; error?: string };
}
const ptMeta = (e: LedgerEntry) => (e.meta as Meta | undefined)?.batchPassthrough;

function jsonl(model: string, texts: string[]): string {
  return texts
    .map((t, i) =>
      JSON.stringify({
        custom_id: `req-${i}`,
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model, messages: [{ role: 'user', content: t }] },
      }),
    )
    .join('\n');
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('Batch API pass-through (OpenAI files + batches, Anthropic message batches)', () => {
  let fake: FakeUpstream;
  let dir: string;
  let app: PennyApp;
  const start = (over: Record<string, unknown> = {}, base?: string) =>
    startPenny({
      object: {
        server: { port: 0, passThroughKeys: false, authTokens: { 'team-a': TEAM_A, 'team-b': TEAM_B } },
        ledger: { path: join(dir, `ledger-${Math.random().toString(36).slice(2)}.db`), flushIntervalMs: 20 },
        circuitBreaker: { enabled: false },
        governance: { keyCacheMs: 0, refreshMs: 0 },
        providers: {
          openai: { type: 'openai', baseUrl: `${base ?? fake.url}/v1`, apiKey: OPENAI_KEY },
          anthropic: { type: 'anthropic', baseUrl: base ?? fake.url, apiKey: ANTHROPIC_KEY },
        },
        ...over,
      },
      env: {},
      logger: silentLogger,
    });
  const openai = (a: PennyApp, key = TEAM_A, feature = 'nightly') =>
    new OpenAI({
      apiKey: key,
      baseURL: `${a.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { 'x-penny-feature': feature },
    });
  const anthropic = (a: PennyApp, key = TEAM_A, feature = 'reports') =>
    new Anthropic({
      apiKey: key,
      baseURL: a.url,
      maxRetries: 0,
      defaultHeaders: { 'x-penny-feature': feature },
    });
  const entries = async (a: PennyApp): Promise<LedgerEntry[]> => {
    await a.gateway.drain();
    await a.ledger.flush();
    return (await a.ledger.query({})).filter((e) => ptMeta(e) !== undefined);
  };
  const batchRate = (e: LedgerEntry, model: string) => {
    const usage = {
      inputUncached: e.inputUncached,
      cacheRead: e.cacheRead,
      cacheWrite5m: e.cacheWrite5m,
      cacheWrite1h: e.cacheWrite1h,
      outputText: e.outputText,
      reasoning: e.reasoning,
    };
    const price = app.catalog.lookup(model);
    return {
      batch: computeCost(usage, price, { batch: true }).cost,
      standard: computeCost(usage, price).cost,
    };
  };

  before(async () => {
    fake = await startFakeUpstream();
    dir = mkdtempSync(join(tmpdir(), 'penny-passthrough-'));
    app = await start();
  });
  after(async () => {
    await app?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let openAiBatchId = '';
  let inputFileId = '';
  let outputFileId = '';

  test('OpenAI SDK: upload, create, retrieve, download — each result line priced at batch rates, once', async () => {
    const client = openai(app);
    const file = await client.files.create({
      file: await toFile(Buffer.from(jsonl('gpt-4o-mini', ['one', 'two', 'three'])), 'input.jsonl'),
      purpose: 'batch',
    });
    inputFileId = file.id;
    assert.match(file.id, /^file-/);
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    openAiBatchId = created.id;
    const upstream = fake.batchApi.batches.get(created.id);
    assert.equal(upstream?.lines.length, 3, 'the uploaded file reached the provider whole');
    const again = await client.batches.retrieve(created.id);
    assert.equal(again.status, 'completed');
    assert.ok(again.output_file_id);
    outputFileId = again.output_file_id;
    const content = await (await client.files.content(again.output_file_id)).text();
    const lines = content.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.match(content, /echo: two/);

    let priced = await entries(app);
    assert.equal(priced.length, 3);
    for (const e of priced) {
      assert.equal(e.keyId, 'team-a');
      assert.equal(e.feature, 'nightly');
      assert.equal(e.provider, 'openai');
      assert.equal(e.status, 'ok');
      assert.equal(ptMeta(e)?.batchId, created.id);
      const r = batchRate(e, 'gpt-4o-mini');
      assert.ok(e.inputUncached > 0 && e.outputText > 0);
      assert.equal(e.cost, r.batch);
      assert.equal(e.baselineCost, r.standard);
      assert.equal(e.savings.batch, r.standard! - r.batch!);
      assert.ok(e.flags.includes('batch_api'));
    }
    assert.deepEqual(priced.map((e) => ptMeta(e)?.customId).sort(), ['req-0', 'req-1', 'req-2']);

    // A second download streams the same file and prices nothing more.
    const twice = await (await client.files.content(again.output_file_id)).text();
    assert.equal(twice, content);
    priced = await entries(app);
    assert.equal(priced.length, 3);
  });

  test("OpenAI: lists show only the caller's own files and batches; file metadata, cancel and delete", async () => {
    const a = openai(app);
    const b = openai(app, TEAM_B);
    const mine = await a.batches.list();
    assert.ok(mine.data.some((x) => x.id === openAiBatchId));
    const theirs = await b.batches.list();
    assert.ok(!theirs.data.some((x) => x.id === openAiBatchId));
    const files = await a.files.list();
    assert.ok(files.data.some((f) => f.id === inputFileId));
    assert.ok(!(await b.files.list()).data.some((f) => f.id === inputFileId));
    assert.equal((await a.files.retrieve(inputFileId)).id, inputFileId);
    const cancelled = await a.batches.cancel(openAiBatchId);
    assert.equal(cancelled.id, openAiBatchId);
    const spare = await a.files.create({
      file: await toFile(Buffer.from(jsonl('gpt-4o-mini', ['spare'])), 'spare.jsonl'),
      purpose: 'batch',
    });
    const del = await a.files.delete(spare.id);
    assert.equal(del.deleted, true);
    await assert.rejects(a.files.retrieve(spare.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
  });

  test("another key's batch and files: 404, never shown, never usable", async () => {
    const b = openai(app, TEAM_B);
    await assert.rejects(
      b.batches.retrieve(openAiBatchId),
      (e: unknown) => e instanceof OpenAI.NotFoundError,
    );
    await assert.rejects(b.batches.cancel(openAiBatchId), (e: unknown) => e instanceof OpenAI.NotFoundError);
    await assert.rejects(b.files.content(outputFileId), (e: unknown) => e instanceof OpenAI.NotFoundError);
    await assert.rejects(b.files.delete(inputFileId), (e: unknown) => e instanceof OpenAI.NotFoundError);
    await assert.rejects(
      b.batches.create({
        input_file_id: inputFileId,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      }),
      (e: unknown) => e instanceof OpenAI.NotFoundError,
    );
  });

  test('unknown ids: 404 in each dialect; no Penny token: 401', async () => {
    const err = await openai(app)
      .batches.retrieve('batch_nope')
      .catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.NotFoundError);
    assert.match(err.message, /batch_nope/);
    const aerr = await anthropic(app)
      .messages.batches.retrieve('msgbatch_nope')
      .catch((e: unknown) => e);
    assert.ok(aerr instanceof Anthropic.NotFoundError);
    assert.equal((aerr.error as { type?: string }).type, 'error');
    const raw = await fetch(`${app.url}/v1/messages/batches/msgbatch_nope/results`, {
      headers: { 'x-api-key': TEAM_A, 'anthropic-version': '2023-06-01' },
    });
    assert.equal(raw.status, 404);
    assert.equal(((await raw.json()) as { error: { type: string } }).error.type, 'not_found_error');
    const noAuth = await openai(app, 'sk-not-a-penny-token-0123456789')
      .files.list()
      .catch((e: unknown) => e);
    assert.ok(noAuth instanceof OpenAI.AuthenticationError);
    const put = await fetch(`${app.url}/v1/batches`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TEAM_A}` },
    });
    assert.equal(put.status, 405);
  });

  test('Anthropic SDK: create, retrieve, results — priced to the creating key and feature, once', async () => {
    const client = anthropic(app);
    const created = await client.messages.batches.create({
      requests: ['alpha', 'beta'].map((t, i) => ({
        custom_id: `m-${i}`,
        params: {
          model: 'claude-3-5-haiku-latest',
          max_tokens: 64,
          messages: [{ role: 'user', content: t }],
        },
      })),
    });
    assert.match(created.id, /^msgbatch_/);
    const got = await client.messages.batches.retrieve(created.id);
    assert.equal(got.processing_status, 'ended');
    assert.ok(got.results_url?.startsWith(app.url), 'results_url points at Penny');
    const seen: string[] = [];
    for await (const r of await client.messages.batches.results(created.id)) {
      assert.equal(r.result.type, 'succeeded');
      seen.push(r.custom_id);
    }
    assert.deepEqual(seen.sort(), ['m-0', 'm-1']);
    const mine = (await entries(app)).filter((e) => ptMeta(e)?.batchId === created.id);
    assert.equal(mine.length, 2);
    for (const e of mine) {
      assert.equal(e.keyId, 'team-a');
      assert.equal(e.feature, 'reports');
      assert.equal(e.dialect, 'anthropic');
      const r = batchRate(e, e.servedModel!);
      assert.equal(e.cost, r.batch);
      assert.ok(e.cost! > 0n && e.savings.batch! > 0n);
    }
    for await (const _ of await client.messages.batches.results(created.id)) {
      /* read it all again */
    }
    assert.equal((await entries(app)).filter((e) => ptMeta(e)?.batchId === created.id).length, 2);

    // Another key sees nothing of it.
    const other = anthropic(app, TEAM_B);
    await assert.rejects(
      other.messages.batches.retrieve(created.id),
      (e: unknown) => e instanceof Anthropic.NotFoundError,
    );
    await assert.rejects(
      other.messages.batches.cancel(created.id),
      (e: unknown) => e instanceof Anthropic.NotFoundError,
    );
    const list = await other.messages.batches.list();
    assert.ok(!list.data.some((b) => b.id === created.id));
    assert.ok((await client.messages.batches.list()).data.some((b) => b.id === created.id));
    const cancelled = await client.messages.batches.cancel(created.id);
    assert.equal(cancelled.id, created.id);
  });

  test('Anthropic: a failed line is recorded as an error entry at $0, not priced', async () => {
    const client = anthropic(app);
    const created = await client.messages.batches.create({
      requests: [
        {
          custom_id: 'bad',
          params: {
            model: 'claude-3-5-haiku-latest',
            max_tokens: 64,
            messages: [{ role: 'user', content: 'x #fake:line_error' }],
          },
        },
      ],
    });
    for await (const r of await client.messages.batches.results(created.id))
      assert.equal(r.result.type, 'errored');
    const [e] = (await entries(app)).filter((x) => ptMeta(x)?.batchId === created.id);
    assert.equal(e?.status, 'error');
    assert.equal(e?.cost, 0n);
    assert.equal(e?.errorClass, 'batch_line_failed');
  });

  test('virtual keys: results billed to the key that created the batch; a revoked key gets 401', async () => {
    const stores = openStores(app.loaded);
    try {
      const { key } = await createKey(stores.keys, { name: 'batch-team' });
      const client = openai(app, key, 'vk-feature');
      const file = await client.files.create({
        file: await toFile(Buffer.from(jsonl('gpt-4o-mini', ['vk one', 'vk two'])), 'vk.jsonl'),
        purpose: 'batch',
      });
      const b = await client.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      });
      const done = await client.batches.retrieve(b.id);
      // Downloaded by the same key with another feature header: still billed to the creating request's feature.
      await (await openai(app, key, 'someone-else').files.content(done.output_file_id!)).text();
      const mine = (await entries(app)).filter((e) => ptMeta(e)?.batchId === b.id);
      assert.equal(mine.length, 2);
      assert.ok(mine.every((e) => e.keyId === 'batch-team' && e.feature === 'vk-feature'));
      await revokeKey(stores.keys, 'batch-team');
      const err = await openai(app, key)
        .batches.retrieve(b.id)
        .catch((e: unknown) => e);
      assert.ok(err instanceof OpenAI.AuthenticationError, (err as Error).message);
    } finally {
      await stores.keys.close?.();
    }
  });

  test("client key pass-through: the client's own key goes upstream, results billed to its fingerprint", async () => {
    const own = 'sk-client-own-openai-key-0123456789';
    const pt = await start({ server: { port: 0, passThroughKeys: true } });
    try {
      const client = openai(pt, own, 'own-key');
      const before = fake.requests.length;
      const file = await client.files.create({
        file: await toFile(Buffer.from(jsonl('gpt-4o-mini', ['own'])), 'own.jsonl'),
        purpose: 'batch',
      });
      const upload = fake.requests.slice(before).find((r) => r.path === '/v1/files');
      assert.equal(upload?.headers.authorization, `Bearer ${own}`);
      const b = await client.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      });
      const done = await client.batches.retrieve(b.id);
      await (await client.files.content(done.output_file_id!)).text();
      const [e] = (await entries(pt)).filter((x) => ptMeta(x)?.batchId === b.id);
      assert.match(e?.keyId ?? '', /^key-[0-9a-f]{12}$/);
      assert.equal(e?.feature, 'own-key');
      // Another client key is another owner.
      await assert.rejects(
        openai(pt, 'sk-client-other-openai-key-987654321').batches.retrieve(b.id),
        (x: unknown) => x instanceof OpenAI.NotFoundError,
      );
    } finally {
      await pt.close();
    }
  });

  test('an upload over batchJobs.maxUploadBytes: 413, nothing reaches the provider', async () => {
    const small = await start({ batchJobs: { maxUploadBytes: 2048 } });
    try {
      const before = fake.requests.length;
      const big = jsonl(
        'gpt-4o-mini',
        Array.from({ length: 100 }, (_, i) => `item ${i}`),
      );
      const err = await openai(small)
        .files.create({ file: await toFile(Buffer.from(big), 'big.jsonl'), purpose: 'batch' })
        .catch((e: unknown) => e);
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.status, 413);
      assert.match(err.message, /maxUploadBytes/);
      assert.ok(!fake.requests.slice(before).some((r) => r.path.endsWith('/files')));
      // Sent without a length (chunked): cut off once past the limit, still 413.
      const boundary = 'penny-test-boundary';
      const chunk = new TextEncoder().encode(`--${boundary}\r\n${'x'.repeat(1000)}\r\n`);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent++ < 20) c.enqueue(chunk);
          else c.close();
        },
      });
      const r = await fetch(`${small.url}/v1/files`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEAM_A}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        body,
        duplex: 'half',
      } as RequestInit);
      assert.equal(r.status, 413);
      assert.match(((await r.json()) as { error: { message: string } }).error.message, /maxUploadBytes/);
    } finally {
      await small.close();
    }
  });

  test('provider down: a clear 5xx in the dialect, and the key never shows', async () => {
    const down = await start({}, `http://127.0.0.1:${await closedPort()}`);
    try {
      const err = await openai(down)
        .files.create({
          file: await toFile(Buffer.from(jsonl('gpt-4o-mini', ['x'])), 'x.jsonl'),
          purpose: 'batch',
        })
        .catch((e: unknown) => e);
      assert.ok(err instanceof OpenAI.APIError);
      assert.ok((err.status ?? 0) >= 500, `status ${err.status}`);
      assert.match(err.message, /unreachable/);
      assert.ok(!err.message.includes(OPENAI_KEY));
      const aerr = await anthropic(down)
        .messages.batches.create({
          requests: [
            {
              custom_id: 'a',
              params: {
                model: 'claude-3-5-haiku-latest',
                max_tokens: 8,
                messages: [{ role: 'user', content: 'x' }],
              },
            },
          ],
        })
        .catch((e: unknown) => e);
      assert.ok(aerr instanceof Anthropic.APIError);
      assert.ok((aerr.status ?? 0) >= 500);
      assert.ok(!JSON.stringify(aerr.error).includes(ANTHROPIC_KEY));
    } finally {
      await down.close();
    }
  });
});
