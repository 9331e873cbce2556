import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type PennyApp, startPenny } from '../../src/app.js';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { computeCost } from '../../src/pricing/cost.js';
import { silentLogger } from '../../src/observability/logger.js';
import { type FakeUpstream, startFakeUpstream } from '../fake-upstream/index.js';
import { ANTHROPIC_KEY, OPENAI_KEY } from './harness.js';

interface JobView {
  id: string;
  status: string;
  response?: { choices?: Array<{ message: { content: string } }>; content?: Array<{ text: string }> };
  error?: { message: string };
}

const CLIENT_KEY = 'sk-client-key-of-team-a-0123456789';

describe('Batch-API deferral through the gateway', () => {
  let fake: FakeUpstream;
  let dir: string;
  let app: PennyApp;
  const start = (over: Record<string, unknown> = {}, openaiBase?: string) =>
    startPenny({
      object: {
        server: { port: 0, passThroughKeys: false },
        ledger: { path: join(dir, 'ledger.db'), flushIntervalMs: 20 },
        circuitBreaker: { enabled: false },
        providers: {
          openai: { type: 'openai', baseUrl: openaiBase ?? `${fake.url}/v1`, apiKey: OPENAI_KEY },
          anthropic: { type: 'anthropic', baseUrl: fake.url, apiKey: ANTHROPIC_KEY },
        },
        features: { nightly: { defer: 'batch' } },
        batchJobs: { submitEveryMs: 30, pollEveryMs: 30, maxAttempts: 2 },
        ...over,
      },
      env: {},
      logger: silentLogger,
    });
  const openai = (a: PennyApp, key = CLIENT_KEY) =>
    new OpenAI({ apiKey: key, baseURL: `${a.url}/v1`, maxRetries: 0 });
  const getJob = async (a: PennyApp, id: string, key = CLIENT_KEY) => {
    const r = await fetch(`${a.url}/v1/penny/jobs/${id}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: r.status, body: (await r.json()) as JobView };
  };
  const until = async (a: PennyApp, id: string, states = ['completed', 'failed']) => {
    for (let i = 0; i < 400; i++) {
      const j = await getJob(a, id);
      if (states.includes(j.body.status)) return j.body;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`job ${id} never reached ${states.join('/')}`);
  };
  const defer = (a: PennyApp, text: string, key = CLIENT_KEY) =>
    openai(a, key)
      .chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] },
        { headers: { 'x-penny-defer': 'batch' } },
      )
      .withResponse();
  const entries = async (a: PennyApp): Promise<LedgerEntry[]> => {
    await a.gateway.drain();
    await a.ledger.flush();
    return a.ledger.query({});
  };

  before(async () => {
    fake = await startFakeUpstream();
    dir = mkdtempSync(join(tmpdir(), 'penny-defer-'));
    app = await start();
  });
  after(async () => {
    await app?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('x-penny-defer: batch → 202 with a job id at once; the answer later, priced at batch rates', async () => {
    const { data, response } = await defer(app, 'summarise the night');
    assert.equal(response.status, 202);
    const id = (data as unknown as { id: string }).id;
    assert.match(id, /^job_/);
    assert.equal(response.headers.get('x-penny-job'), id);
    const job = await until(app, id);
    assert.equal(job.status, 'completed');
    assert.match(job.response?.choices?.[0]?.message.content ?? '', /^echo: summarise the night/);
    const all = await entries(app);
    const e = all.find((x) => x.id === id)!;
    assert.equal(e.status, 'ok');
    const usage = {
      inputUncached: e.inputUncached,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      outputText: e.outputText,
      reasoning: 0,
    };
    const price = app.catalog.lookup('gpt-4o-mini');
    assert.equal(e.cost, computeCost(usage, price, { batch: true }).cost);
    assert.equal(e.baselineCost, computeCost(usage, price).cost);
    assert.equal(e.savings.batch, e.baselineCost! - e.cost!);
    assert.ok(e.cost! * 2n <= e.baselineCost! + 1n, 'half price');
    const queuedEntry = all.find(
      (x) => (x.meta?.defer as { jobId?: string } | undefined)?.jobId === id && x.id !== id,
    )!;
    assert.equal(queuedEntry.httpStatus, 202);
    assert.equal(queuedEntry.cost, 0n);
  });

  test('feature policy defer: batch, Anthropic client: answered in its dialect', async () => {
    const client = new Anthropic({ apiKey: CLIENT_KEY, baseURL: app.url, maxRetries: 0 });
    const { data, response } = await client.messages
      .create(
        {
          model: 'claude-3-5-haiku-latest',
          max_tokens: 40,
          messages: [{ role: 'user', content: 'weekly digest' }],
        },
        { headers: { 'x-penny-feature': 'nightly' } },
      )
      .withResponse();
    assert.equal(response.status, 202);
    const job = await until(app, (data as unknown as { id: string }).id);
    assert.match(job.response?.content?.[0]?.text ?? '', /^echo: weekly digest/);
  });

  test('a foreign key or an unknown id gets 404, never the job', async () => {
    const { data } = await defer(app, 'private');
    const id = (data as unknown as { id: string }).id;
    assert.equal((await getJob(app, id, 'sk-another-team-key-0123456789')).status, 404);
    assert.equal((await getJob(app, 'job_doesnotexist')).status, 404);
    const anon = await fetch(`${app.url}/v1/penny/jobs/${id}`);
    assert.equal(anon.status, 404);
    await until(app, id);
  });

  test('bad input: stream, unknown x-penny-defer value, no key', async () => {
    const c = openai(app);
    await assert.rejects(
      c.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true },
        { headers: { 'x-penny-defer': 'batch' } },
      ),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 400 && /stream/.test(e.message),
    );
    await assert.rejects(
      c.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-penny-defer': 'later' } },
      ),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 400 && /x-penny-defer/.test(e.message),
    );
    const anon = await fetch(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-penny-defer': 'batch' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    });
    assert.equal(anon.status, 400);
    assert.match(JSON.stringify(await anon.json()), /API key/);
  });

  test('rejected, expired and per-line failed jobs are retried, then reported failed with an entry', async () => {
    const ids = await Promise.all(
      ['#fake:batch_reject', '#fake:batch_expire', '#fake:line_error'].map(async (t) => {
        const { data } = await defer(app, `bad ${t}`);
        return (data as unknown as { id: string }).id;
      }),
    );
    const jobs = await Promise.all(ids.map((id) => until(app, id)));
    for (const j of jobs) assert.equal(j.status, 'failed');
    assert.match(jobs[0]!.error!.message, /refused/);
    assert.match(jobs[1]!.error!.message, /expired/);
    assert.match(jobs[2]!.error!.message, /line_error|error/);
    const all = await entries(app);
    for (const id of ids) {
      const e = all.find((x) => x.id === id)!;
      assert.equal(e.status, 'error');
      assert.equal(e.errorClass, 'batch_failed');
    }
    const expired = all.find((x) => x.id === ids[1])!;
    assert.equal(
      (expired.meta?.defer as { attempts?: number } | undefined)?.attempts,
      2,
      'an expired line is sent again',
    );
  });

  test('restart with jobs queued (upstream down) and submitted: nothing lost', async () => {
    await app.close();
    // Upstream down: the job stays queued.
    app = await start({}, 'http://127.0.0.1:9/v1');
    const { data } = await defer(app, 'while down');
    const queuedId = (data as unknown as { id: string }).id;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal((await getJob(app, queuedId)).body.status, 'queued');
    await app.close();
    // Up again, but batches take long: a job is submitted and the gateway restarts before it ends.
    fake.batchApi.delayMs = 60_000;
    app = await start();
    await until(app, queuedId, ['submitted']);
    const { data: d2 } = await defer(app, 'submitted then restart');
    const submittedId = (d2 as unknown as { id: string }).id;
    await until(app, submittedId, ['submitted']);
    await app.close();
    fake.batchApi.delayMs = 0;
    app = await start();
    for (const id of [queuedId, submittedId]) assert.equal((await until(app, id)).status, 'completed');
    const all = await entries(app);
    for (const id of [queuedId, submittedId]) assert.equal(all.find((x) => x.id === id)?.status, 'ok');
  });
});
