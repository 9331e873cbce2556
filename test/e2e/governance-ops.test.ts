/**
 * Governance as operators see it: warn budgets alert through a JSON webhook and a Slack-compatible one
 * (once per window and threshold), /metrics has the budget gauges, the dashboard API lists budgets with
 * spent/reserved/limit/reset, and a Redis that is down makes fail-closed budgets refuse (503) while
 * fail-open ones serve, flagged and counted.
 */
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type Harness, startHarness, until } from './harness.js';

interface Received {
  path: string;
  body: Record<string, unknown>;
}

async function webhookServer(): Promise<{ server: Server; url: string; got: Received[] }> {
  const got: Received[] = [];
  let failFirst = true;
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      // The first delivery fails: the sender must retry with backoff.
      if (failFirst) {
        failFirst = false;
        res.writeHead(503).end();
        return;
      }
      got.push({ path: req.url ?? '', body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}`, got };
}

describe('governance for operators', () => {
  let h: Harness;
  let hook: Awaited<ReturnType<typeof webhookServer>>;
  let openai: OpenAI;
  const chat = (feature: string) =>
    openai.chat.completions.create(
      { model: 'gpt-4o-mini', max_tokens: 30, messages: [{ role: 'user', content: 'hello' }] },
      { headers: { 'x-penny-feature': feature } },
    );

  before(async () => {
    hook = await webhookServer();
    h = await startHarness({
      config: {
        governance: {
          refreshMs: 0,
          budgets: [
            {
              name: 'watch',
              match: { feature: 'w' },
              limit: '0.00001',
              window: 'day',
              policy: 'warn',
              alertAt: [50, 100],
            },
            { name: 'cap', match: { feature: 'c' }, limit: '1', window: 'month' },
          ],
          alerts: {
            webhooks: [
              { url: `${hook.url}/json`, format: 'json' },
              { url: `${hook.url}/slack`, format: 'slack' },
            ],
          },
        },
      },
    });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await h.close();
    await new Promise((r) => hook.server.close(r));
  });

  test('a warn budget serves past its limit and alerts once per threshold, as JSON and as Slack', async () => {
    // Each request's spend is written (drain) before the next: settlements written together would jump past
    // both thresholds at once, and a jump alerts only the highest threshold it reached (thresholds.ts).
    for (let i = 0; i < 4; i++) {
      await chat('w');
      await h.app.governance.drain();
    }
    await until(() => hook.got.length >= 4, 15_000);
    await h.app.governance.drain();
    const json = hook.got.filter((g) => g.path === '/json');
    const slack = hook.got.filter((g) => g.path === '/slack');
    // One request costs 75% of the budget: 50% after the first, 100% after the second, nothing after that.
    assert.deepEqual(json.map((j) => j.body.thresholdPct).sort(), [100, 50]);
    assert.equal(slack.length, 2);
    const a = json.find((j) => j.body.thresholdPct === 100)!.body;
    assert.equal(a.kind, 'budget_threshold');
    assert.equal(a.budget, 'watch');
    assert.equal(a.thresholdPct, 100);
    assert.equal(a.limitUsd, '0.00001');
    assert.match(String(a.message), /budget "watch" \(feature=w, day\) reached 100%.*policy warn/);
    assert.ok(
      slack.some((s) => /^Penny: budget "watch" \(feature=w, day\) reached 100%/.test(String(s.body.text))),
    );
    assert.ok(Array.isArray(slack[0]!.body.blocks));
    assert.ok(
      h.logs.some((l) => l.includes('alert: budget \\"watch\\"')),
      'and a log line',
    );
    const entries = (await h.entries()).filter((e) => e.feature === 'w');
    assert.equal(entries.filter((e) => e.status === 'ok').length, 4, 'warn never refuses');
  });

  test('/metrics has budget gauges; the dashboard API lists budgets with spent, reserved, limit and reset', async () => {
    await chat('c');
    await h.app.governance.drain();
    const text = await (await fetch(`${h.app.url}/metrics`)).text();
    assert.match(
      text,
      /penny_budget_limit_usd\{budget="cap",scope="feature=c",window="month",policy="reject"\} 1/,
    );
    assert.match(text, /penny_budget_spent_usd\{budget="cap",[^}]*\} [0-9.e-]+/);
    assert.match(text, /penny_budget_reserved_usd\{budget="cap",[^}]*\} 0/);
    assert.match(text, /penny_governance_refusals_total\{reason="budget"\} 0/);
    const ov = (await (await fetch(`${h.app.url}/dashboard/api/overview?since=1d`)).json()) as {
      budgets: { configured: boolean; budgets: Array<Record<string, unknown>> };
    };
    assert.equal(ov.budgets.configured, true);
    const cap = ov.budgets.budgets.find((b) => b.name === 'cap')!;
    assert.equal(cap.limit, '1');
    assert.equal(cap.scope, 'feature=c');
    assert.equal(cap.reserved, '0');
    assert.ok(Number(cap.spent) > 0);
    assert.match(String(cap.resetAt), /^20\d\d-\d\d-01T00:00:00.000Z$/);
  });
});

describe('Redis unreachable', () => {
  let h: Harness;
  let openai: OpenAI;
  before(async () => {
    h = await startHarness({
      config: {
        governance: {
          store: { redis: { url: 'redis://127.0.0.1:1', commandTimeoutMs: 200 } },
          budgets: [
            { name: 'hard', match: { feature: 'hard' }, limit: 10 },
            { name: 'soft', match: { feature: 'soft' }, limit: 10, failMode: 'open' },
          ],
        },
      },
    });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(() => h.close());

  test('fail-closed budgets refuse with 503, fail-open ones serve flagged; both are counted and logged', async () => {
    const ask = (feature: string) =>
      openai.chat.completions.create(
        { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-penny-feature': feature } },
      );
    await assert.rejects(ask('hard'), (e: { status?: number; message?: string }) => {
      assert.equal(e.status, 503);
      assert.match(e.message ?? '', /budget store is unreachable/);
      return true;
    });
    const ok = await ask('soft');
    assert.ok(ok.choices[0]);
    const entries = await h.entries();
    assert.ok(entries.at(-1)!.flags.includes('budget_unchecked'));
    assert.ok(h.app.governance.stats.storeErrors >= 2);
    assert.equal(h.app.governance.stats.failOpen, 1);
    assert.equal(h.app.governance.stats.refusals.unavailable, 1);
    assert.ok(h.logs.some((l) => l.includes('governance store error')));
    const text = await (await fetch(`${h.app.url}/metrics`)).text();
    assert.match(text, /penny_governance_fail_open_total 1/);
  });
});
