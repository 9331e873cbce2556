/**
 * Streams shared across instances: two gateways sharing one Redis (each its own ledger) in front of one
 * scripted upstream that sends the first part of its answer and then holds the stream open until the test
 * releases it. A streaming follower on the other instance must receive its first content chunk while the
 * upstream is still held — i.e. before the leader's call has finished (ordering, no timing) — and the whole
 * answer after; one upstream call; the follower's entry is the unbilled `cache.dedupe` one. A follower that
 * did not ask for the usage chunk (re-encoded path) and one that did (bytes as they are) are both checked.
 * Each run uses its own Redis key prefix.
 */
import assert from 'node:assert/strict';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { cacheStats } from '../../src/pipeline/cache/stats.js';
import { openTestRedis, redisSkip, TEST_REDIS_URL } from '../../src/pipeline/cache/fleet/test-redis.js';
import { type Harness, OPENAI_KEY, startHarness, until } from './harness.js';

const skip = await redisSkip('cache-fleet-stream.test');
const PREFIX = `penny:test:fleet-stream:${process.pid}:`;

/** An OpenAI-compatible upstream whose streamed answers wait for `release()` after their first words. */
async function startHeldUpstream() {
  let calls = 0;
  let held = false;
  let release: () => void = () => {};
  let gate = new Promise<void>((r) => {
    release = r;
  });
  const chunk = (o: Record<string, unknown>) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-held', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', ...o })}\n\n`;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', async () => {
      calls++;
      const stream = JSON.parse(body).stream === true;
      assert.ok(stream, 'the scripted upstream only streams');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        chunk({
          choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello' }, finish_reason: null }],
        }),
      );
      held = true;
      await gate;
      held = false;
      res.write(
        chunk({ choices: [{ index: 0, delta: { content: ' from one call' }, finish_reason: null }] }),
      );
      res.write(chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
      res.write(chunk({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 } }));
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get calls() {
      return calls;
    },
    /** True while an answer is held open after its first words. */
    get held() {
      return held;
    },
    release() {
      release();
      gate = new Promise<void>((r) => {
        release = r;
      });
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

type Held = Awaited<ReturnType<typeof startHeldUpstream>>;

const config = (upstream: string) => ({
  providers: { openai: { type: 'openai', baseUrl: `${upstream}/v1`, apiKey: OPENAI_KEY } },
  cache: {
    store: 'redis',
    redisUrl: TEST_REDIS_URL,
    redisKeyPrefix: PREFIX,
    fleet: { syncMs: 50, leaseMs: 600 },
  },
  features: { faq: { cache: { enabled: true } } },
});

/** Opens a streamed chat request; `next()` returns the next content delta ('' for others), null at the end. */
async function open(h: Harness, content: string, includeUsage: boolean) {
  const client = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  const { data, response } = await client.chat.completions
    .create(
      {
        model: 'gpt-4o-mini',
        temperature: 0,
        stream: true,
        ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
        messages: [{ role: 'user', content }],
      },
      { headers: { 'x-penny-feature': 'faq' } },
    )
    .withResponse();
  const it = data[Symbol.asyncIterator]();
  let usage: unknown = null;
  let text = '';
  return {
    response,
    get text() {
      return text;
    },
    get usage() {
      return usage;
    },
    /** Reads until the first chunk with content; returns its content. */
    async firstContent(): Promise<string> {
      for (;;) {
        const r = await it.next();
        if (r.done) throw new Error('stream ended before any content');
        if (r.value.usage) usage = r.value.usage;
        const c = r.value.choices[0]?.delta?.content ?? '';
        text += c;
        if (c) return c;
      }
    },
    async rest(): Promise<string> {
      for (;;) {
        const r = await it.next();
        if (r.done) return text;
        if (r.value.usage) usage = r.value.usage;
        text += r.value.choices[0]?.delta?.content ?? '';
      }
    },
  };
}

describe('streams shared by two instances', { skip, timeout: 60_000 }, () => {
  let up: Held;
  let a: Harness;
  let b: Harness;

  before(async () => {
    up = await startHeldUpstream();
    [a, b] = await Promise.all([
      startHarness({ config: config(up.url) }),
      startHarness({ config: config(up.url) }),
    ]);
    // Both connected to Redis before the first request (a cold connection would make it a counted miss).
    for (const h of [a, b])
      await until(async () => (await fetch(`${h.app.url}/readyz`)).status === 200, 10_000);
  });
  after(async () => {
    up?.release();
    await Promise.all([a?.close(), b?.close()]);
    await up?.close();
    const r = await openTestRedis(PREFIX);
    await r.close();
  });

  for (const followerUsage of [true, false]) {
    test(`a streaming follower on the other instance gets its first chunk while the leader's upstream is held (follower include_usage ${followerUsage})`, async () => {
      const content = `Shared stream, follower usage ${followerUsage}`;
      const c0 = up.calls;
      const leader = await open(a, content, true);
      assert.equal(await leader.firstContent(), 'Hello');
      assert.ok(up.held, 'the leader has its first words and the upstream holds the rest');
      const follower = await open(b, content, followerUsage);
      assert.equal(
        follower.response.headers.get('x-penny-cache'),
        'dedupe',
        `calls ${up.calls - c0} ${JSON.stringify(cacheStats())} ${b.logs.filter((l) => l.includes('warn')).join(' ')}`,
      );
      assert.equal(await follower.firstContent(), 'Hello');
      assert.ok(up.held, 'the follower got its first chunk before the leader’s upstream call finished');
      assert.equal(up.calls - c0, 1);
      up.release();
      const [lt, ft] = await Promise.all([leader.rest(), follower.rest()]);
      assert.equal(lt, 'Hello from one call');
      assert.equal(ft, lt);
      assert.equal(up.calls - c0, 1, 'one upstream call for both instances');
      // The usage chunk the follower asked for (or not), with the leader's usage.
      if (followerUsage) assert.deepEqual((follower.usage as { total_tokens: number }).total_tokens, 17);
      else assert.equal(follower.usage, null);

      const leadId = leader.response.headers.get('x-penny-request-id');
      const followId = follower.response.headers.get('x-penny-request-id');
      const lead = (await a.entries()).find((e) => e.id === leadId)!;
      const follow = (await b.entries()).find((e) => e.id === followId)!;
      assert.equal(lead.status, 'ok');
      assert.ok(lead.cost !== null && lead.cost > 0n, 'the leader pays for the call');
      assert.equal(follow.status, 'ok');
      assert.equal(follow.cost, 0n, 'the follower is unbilled');
      assert.deepEqual(follow.savings, { 'cache.dedupe': lead.cost });
      const meta = follow.meta!.cache as { status: string; fleet?: boolean };
      assert.equal(meta.status, 'dedupe');
      assert.equal(meta.fleet, true);
    });
  }

  test('a streaming follower on the same instance is teed live too (first chunk while the upstream is held)', async () => {
    const content = 'Shared stream, same instance';
    const c0 = up.calls;
    const leader = await open(a, content, true);
    assert.equal(await leader.firstContent(), 'Hello');
    const follower = await open(a, content, true);
    assert.equal(follower.response.headers.get('x-penny-cache'), 'dedupe');
    assert.equal(await follower.firstContent(), 'Hello');
    assert.ok(up.held, 'the local follower got its first chunk before the upstream call finished');
    up.release();
    const [lt, ft] = await Promise.all([leader.rest(), follower.rest()]);
    assert.equal(ft, lt);
    assert.equal(up.calls - c0, 1);
  });

  test('a leader that dies mid-stream: the follower’s stream ends with an error once the lease lapses; nothing billed', async () => {
    const content = 'Shared stream, dead leader';
    const r = await openTestRedis(PREFIX);
    try {
      const c0 = up.calls;
      // Learn the request's key: lead it on A once (held), then finish it.
      const first = await open(a, content, true);
      await first.firstContent();
      const leaseKey = (await r.client.keys(`${PREFIX}flight:lease:*`))[0]!;
      const key = leaseKey.slice(`${PREFIX}flight:lease:`.length);
      up.release();
      await first.rest();
      for (;;) {
        if ((await r.client.exists(leaseKey)) === 0 && (await r.client.exists(`${PREFIX}${key}`)) === 1)
          break;
        await new Promise((res) => setTimeout(res, 10));
      }
      // A dead instance's flight: its lease (never renewed) and the start of its stream, no result.
      await r.client.del(`${PREFIX}${key}`, `${PREFIX}flight:result:${key}`);
      await r.client.set(leaseKey, 'dead-instance', 'PX', 800);
      const chunks = `${PREFIX}flight:chunks:${key}#dead-instance`;
      await r.client.xadd(chunks, '*', 't', 'start', 'd', 'openai', 'u', '1');
      await r.client.xadd(
        chunks,
        '*',
        't',
        'write',
        'c',
        `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'Half' }, finish_reason: null }] })}\n\n`,
      );
      const follower = await open(b, content, true);
      assert.equal(await follower.firstContent(), 'Half');
      await assert.rejects(follower.rest(), 'the stream ends with an error event, not silently');
      assert.equal(up.calls - c0, 1, 'no second call: the follower had already forwarded bytes');
      const entry = (await b.entries()).find(
        (e) => e.id === follower.response.headers.get('x-penny-request-id'),
      )!;
      assert.equal(entry.status, 'error');
      assert.equal(entry.cost, 0n, 'nothing billed');
    } finally {
      await r.client.quit();
    }
  });
});
