/**
 * Deferred jobs with a PostgreSQL ledger: two gateways share the job table. Clients defer jobs to both; both
 * submitters and pollers run every 20 ms against the same store. Every job is sent to the provider in exactly
 * one batch line, settled once (one ledger entry), and readable from either instance.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type PennyApp, startPenny } from '../../src/app.js';
import { silentLogger } from '../../src/observability/logger.js';
import {
  TEST_DATABASE_URL,
  dropSchema,
  requirePostgres,
  uniqueSchema,
} from '../../src/postgres/test-support.js';
import { type FakeUpstream, startFakeUpstream } from '../fake-upstream/index.js';
import { OPENAI_KEY } from './harness.js';

const skip = await requirePostgres('batch-defer-postgres.test');
const CLIENT_KEY = 'sk-client-key-of-team-b-0123456789';
const JOBS = 40;

describe('Batch-API deferral shared by two instances (PostgreSQL)', { skip }, () => {
  let fake: FakeUpstream;
  const apps: PennyApp[] = [];
  const schema = uniqueSchema('penny_defer_pg');
  const start = () =>
    startPenny({
      object: {
        server: { port: 0, passThroughKeys: false },
        ledger: { url: TEST_DATABASE_URL, schema, flushIntervalMs: 20 },
        circuitBreaker: { enabled: false },
        providers: { openai: { type: 'openai', baseUrl: `${fake.url}/v1`, apiKey: OPENAI_KEY } },
        batchJobs: { submitEveryMs: 20, pollEveryMs: 20 },
      },
      env: {},
      logger: silentLogger,
    });

  before(async () => {
    fake = await startFakeUpstream();
    // The batch stays in progress a little, so both pollers see it running and must give it back.
    fake.batchApi.delayMs = 100;
    apps.push(await start(), await start());
  });
  after(async () => {
    for (const a of apps) await a.close();
    await fake?.close();
    await dropSchema(schema);
  });

  test('every job is submitted once, settled once, and readable on either instance', async () => {
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: JOBS }, async (_, i) => {
        const a = apps[i % 2]!;
        const client = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${a.url}/v1`, maxRetries: 0 });
        const { response } = await client.chat.completions
          .create(
            { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `job ${i}` }] },
            { headers: { 'x-penny-defer': 'batch' } },
          )
          .withResponse();
        assert.equal(response.status, 202);
        ids.push(response.headers.get('x-penny-job')!);
      }),
    );
    for (const [i, id] of ids.entries()) {
      // Read on the instance that did not take it: jobs live in PostgreSQL.
      const a = apps[(i + 1) % 2]!;
      let body: { status: string; response?: { choices: Array<{ message: { content: string } }> } } = {
        status: '',
      };
      for (let n = 0; n < 400 && body.status !== 'completed'; n++) {
        const r = await fetch(`${a.url}/v1/penny/jobs/${id}`, {
          headers: { authorization: `Bearer ${CLIENT_KEY}` },
        });
        assert.equal(r.status, 200);
        body = (await r.json()) as typeof body;
        if (body.status !== 'completed') await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(body.status, 'completed', `job ${id}`);
      assert.ok(body.response?.choices[0]?.message.content);
    }
    const lines = [...fake.batchApi.batches.values()].flatMap((b) => b.lines.map((l) => l.customId));
    assert.equal(lines.length, JOBS, 'each job sent in exactly one batch line');
    assert.deepEqual(new Set(lines), new Set(ids));
    // One settled entry per job in the shared ledger (the other entries are the 202s).
    for (const a of apps) {
      await a.gateway.drain();
      await a.ledger.flush();
    }
    const settled = (await apps[0]!.ledger.query({})).filter((e) => ids.includes(e.id));
    assert.equal(settled.length, JOBS, 'one ledger entry per job');
    assert.equal(new Set(settled.map((e) => e.id)).size, JOBS);
  });
});
