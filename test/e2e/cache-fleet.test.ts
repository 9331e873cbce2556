/**
 * Two gateways sharing one Redis (each with its own upstream and ledger, as two instances behind a load
 * balancer would be): an entry one stores is a semantic hit on the other; identical concurrent requests on
 * both make one upstream call, the followers booked unbilled with the leader's spend as `cache.dedupe`;
 * a leader that died (its lease never renewed) costs the followers a wait, then they call themselves; and
 * with Redis unreachable every request is served uncached, counted, with no error to the client.
 * Each run uses its own Redis key prefix.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { cacheStats } from '../../src/pipeline/cache/stats.js';
import { openTestRedis, redisSkip, TEST_REDIS_URL } from '../../src/pipeline/cache/fleet/test-redis.js';
import { type Harness, startHarness, until } from './harness.js';

const skip = await redisSkip('cache-fleet.test');
const PREFIX = `penny:test:fleet-cache:${process.pid}:`;

const config = (redisUrl: string, prefix = PREFIX) => ({
  cache: { store: 'redis', redisUrl, redisKeyPrefix: prefix, timeoutMs: 200, fleet: { syncMs: 50 } },
  features: {
    faq: { cache: { enabled: true } },
    support: { cache: { enabled: true, semantic: { enabled: true, shadow: false } } },
  },
});

function ask(h: Harness, feature: string, content: string, stream = false) {
  const client = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  const body = { model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user' as const, content }] };
  const headers = { headers: { 'x-penny-feature': feature } };
  if (!stream) return client.chat.completions.create(body, headers).withResponse();
  return client.chat.completions
    .create({ ...body, stream: true, stream_options: { include_usage: true } }, headers)
    .withResponse()
    .then(async ({ data, response }) => {
      let text = '';
      for await (const c of data) text += c.choices[0]?.delta?.content ?? '';
      return { data: { choices: [{ message: { content: text } }] }, response };
    });
}

/** One sample of `/metrics` (the exact series text, e.g. `name{label="v"}`), or undefined when absent. */
async function metric(h: Harness, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${h.app.url}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe('two instances sharing Redis', { skip }, () => {
  let a: Harness;
  let b: Harness;
  const calls = () => a.fake.count + b.fake.count;

  before(async () => {
    [a, b] = await Promise.all([
      startHarness({ config: config(TEST_REDIS_URL) }),
      startHarness({ config: config(TEST_REDIS_URL) }),
    ]);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    const r = await openTestRedis(PREFIX);
    await r.close();
  });

  test('an answer stored on A is a semantic hit on B', async () => {
    const synced0 = cacheStats().semanticSynced;
    const remote0 = (await metric(b, 'penny_cache_semantic_remote_hits_total')) ?? 0;
    const first = await ask(a, 'support', 'How do I cancel my subscription?');
    assert.equal(first.response.headers.get('x-penny-cache'), 'miss');
    // B reads A's entry from the shared log in the background.
    await until(() => cacheStats().semanticSynced > synced0);
    const c0 = calls();
    const para = await ask(b, 'support', 'How can I cancel my subscription plan?');
    assert.equal(para.response.headers.get('x-penny-cache'), 'hit');
    assert.equal(para.response.headers.get('x-penny-cache-kind'), 'semantic');
    assert.equal(para.data.choices[0]!.message.content, first.data.choices[0]!.message.content);
    assert.equal(calls(), c0, 'no upstream call');
    const e = (await b.entries()).at(-1)!;
    assert.equal(e.cost, 0n);
    assert.deepEqual(e.savings, { 'cache.semantic': e.baselineCost });
    // /metrics: the hit is counted as served by a replicated entry; the replica reports its lag and age.
    assert.equal(await metric(b, 'penny_cache_semantic_remote_hits_total'), remote0 + 1);
    assert.ok(((await metric(b, 'penny_cache_semantic_replicated_total')) ?? 0) >= 1);
    const lag = await metric(b, 'penny_cache_replication_lag_seconds{log="semantic"}');
    assert.ok(lag !== undefined && lag >= 0, `replication lag reported (${lag})`);
    const age = await metric(b, 'penny_cache_replication_sync_age_seconds{log="semantic"}');
    assert.ok(age !== undefined && age >= 0, `sync age reported (${age})`);
  });

  test('identical concurrent requests on both instances: one upstream call; followers unbilled', async () => {
    const c0 = calls();
    const fleet0 = (await metric(b, 'penny_cache_dedupe_total{scope="fleet"}')) ?? 0;
    const local0 = (await metric(b, 'penny_cache_dedupe_total{scope="local"}')) ?? 0;
    const content = 'Fleet dedupe one #fake:words=20 #fake:delay=400';
    const leader = ask(a, 'faq', content);
    await until(() => calls() > c0);
    const followers = await Promise.all([
      ask(b, 'faq', content),
      ask(b, 'faq', content),
      ask(b, 'faq', content, true),
    ]);
    const lead = await leader;
    const st = cacheStats();
    assert.equal(
      calls() - c0,
      1,
      `one upstream call for the fleet (fleetError ${st.fleetError}, fleetFallback ${st.fleetFallback})`,
    );
    assert.equal(lead.response.headers.get('x-penny-cache'), 'miss');
    for (const f of followers) {
      assert.equal(f.response.headers.get('x-penny-cache'), 'dedupe');
      assert.equal(f.data.choices[0]!.message.content, lead.data.choices[0]!.message.content);
    }
    const leaderEntry = (await a.entries()).find(
      (e) => e.id === lead.response.headers.get('x-penny-request-id'),
    )!;
    assert.ok(leaderEntry.cost !== null && leaderEntry.cost > 0n);
    const ids = new Set(followers.map((f) => f.response.headers.get('x-penny-request-id')));
    const entries = (await b.entries()).filter((e) => ids.has(e.id));
    assert.equal(entries.length, 3);
    for (const e of entries) {
      assert.equal(e.status, 'ok');
      assert.equal(e.cost, 0n, 'a follower is unbilled');
      assert.equal(e.baselineCost, leaderEntry.cost);
      assert.deepEqual(e.savings, { 'cache.dedupe': leaderEntry.cost });
      assert.equal((e.meta!.cache as { status: string }).status, 'dedupe');
    }
    // B's first follower waited for A; B's others joined B's own flight (in-process de-duplication).
    assert.equal(entries.filter((e) => (e.meta!.cache as { fleet?: boolean }).fleet === true).length, 1);
    // /metrics counts them the same way.
    assert.equal(await metric(b, 'penny_cache_dedupe_total{scope="fleet"}'), fleet0 + 1);
    assert.equal(await metric(b, 'penny_cache_dedupe_total{scope="local"}'), local0 + 2);
    // Later identical requests are exact hits on either instance.
    const later = await ask(b, 'faq', content);
    assert.equal(later.response.headers.get('x-penny-cache'), 'hit');
    assert.equal(calls() - c0, 1);
  });

  test('a leader that died: the follower waits for its lease to lapse, then calls upstream itself', async () => {
    const content = 'Fleet dead leader #fake:words=5 #fake:delay=200';
    const r = await openTestRedis(PREFIX);
    try {
      const fallback0 = cacheStats().fleetFallback;
      const m0 = (await metric(a, 'penny_cache_fleet_fallbacks_total')) ?? 0;
      const c0 = calls();
      // B leads once, which shows the request's lease key (the only flight during this test).
      const pending = ask(b, 'faq', content);
      let leaseKey: string | undefined;
      await until(async () => {
        const keys = await r.client.keys(`${PREFIX}flight:lease:*`);
        leaseKey = keys[0];
        return leaseKey !== undefined;
      });
      await pending;
      const key = leaseKey!.slice(`${PREFIX}flight:lease:`.length);
      // B ends its flight after answering: wait until its lease is released (its result written) and its entry
      // stored, so the deletions below cannot race with B's own late writes (a late result made A a follower).
      await until(
        async () =>
          (await r.client.exists(leaseKey!)) === 0 && (await r.client.exists(`${PREFIX}${key}`)) === 1,
      );
      // The same request again, its entry deleted, with a dead instance's lease in place (600 ms, never renewed).
      await r.client.del(`${PREFIX}${key}`, `${PREFIX}flight:result:${key}`);
      await r.client.set(leaseKey!, 'dead-instance', 'PX', 600);
      const again = await ask(a, 'faq', content);
      assert.equal(again.response.headers.get('x-penny-cache'), 'miss');
      assert.equal(cacheStats().fleetFallback, fallback0 + 1);
      assert.equal(await metric(a, 'penny_cache_fleet_fallbacks_total'), m0 + 1);
      assert.equal(calls() - c0, 2, 'the follower made its own call once the lease lapsed');
    } finally {
      await r.client.quit();
    }
  });

  test('a leader whose call fails: the follower is not handed its error; it makes its own call', async () => {
    const c0 = calls();
    const fb0 = (await metric(b, 'penny_cache_fleet_fallbacks_total')) ?? 0;
    const content = 'Fleet failed leader #fake:status=400 #fake:delay=400';
    const failed = (p: Promise<unknown>) =>
      p.then(
        () => assert.fail('the upstream error should reach the client'),
        (e: unknown) => e as { status?: number },
      );
    const leader = failed(ask(a, 'faq', content));
    await until(() => calls() > c0);
    // B waits on A's lease; A's call fails and publishes nothing; B then calls upstream itself.
    const follower = await failed(ask(b, 'faq', content));
    assert.equal((await leader).status, 400);
    assert.equal(follower.status, 400, 'the follower answers with its own call’s outcome');
    assert.equal(calls() - c0, 2, 'one call by the leader, one by the follower after it failed');
    assert.equal(await metric(b, 'penny_cache_fleet_fallbacks_total'), fb0 + 1);
  });
});

describe('Redis unreachable', () => {
  test('requests are served uncached, the faults counted, no error reaches the client', async () => {
    // A port nothing listens on.
    const h = await startHarness({ config: config('redis://127.0.0.1:1', 'penny:test:down:') });
    try {
      const s0 = cacheStats();
      const board0 = (await metric(h, 'penny_cache_fleet_errors_total{component="flight_board"}')) ?? 0;
      for (let i = 0; i < 3; i++) {
        const r = await ask(h, 'faq', 'Redis is down');
        assert.equal(r.response.status, 200);
        assert.match(r.data.choices[0]!.message.content ?? '', /^echo: Redis is down/);
        assert.equal(r.response.headers.get('x-penny-cache'), 'miss');
      }
      const sem = await ask(h, 'support', 'How do I cancel my subscription while Redis is down?');
      assert.equal(sem.response.status, 200);
      assert.equal(h.fake.count, 4, 'every request went upstream');
      const s1 = cacheStats();
      assert.ok(s1.fleetError > s0.fleetError, 'the flight board faults are counted');
      assert.ok(
        ((await metric(h, 'penny_cache_fleet_errors_total{component="flight_board"}')) ?? 0) > board0,
        'and reported in /metrics',
      );
      assert.ok(s1.getError + s1.circuitOpen + s1.timeout > s0.getError + s0.circuitOpen + s0.timeout);
      const entries = await h.entries();
      assert.equal(entries.length, 4);
      assert.ok(entries.every((e) => e.status === 'ok'));
    } finally {
      await h.close();
    }
  });
});
