import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type PennyApp, startPenny } from '../../src/app.js';
import { type ScriptedUpstream, chatReply as reply, startScriptedUpstream } from './scripted-upstream.js';

interface Hook {
  path: string;
  body: Record<string, unknown>;
}

describe('guardrail alerts and state across a restart of penny serve', () => {
  let up: ScriptedUpstream;
  let hooks: Server;
  let hookUrl: string;
  const received: Hook[] = [];
  let dir: string;
  let app: PennyApp;

  const start = async () => {
    app = await startPenny({
      object: {
        server: { port: 0 },
        ledger: { path: join(dir, 'ledger.db'), flushIntervalMs: 20 },
        circuitBreaker: { enabled: false },
        providers: {
          openai: { type: 'openai', baseUrl: `${up.url}/v1`, apiKey: 'sk-test-0123456789abcdefghij' },
        },
        governance: {
          alerts: {
            webhooks: [
              { url: `${hookUrl}/penny`, format: 'json' },
              { url: `${hookUrl}/slack`, format: 'slack' },
            ],
          },
        },
        features: {
          math: {
            route: { rules: [{ name: 'mini', targets: ['gpt-4o-mini'] }] },
            quality: {
              shadow: { sampleRate: 0.5, agreement: 'number' },
              floor: 0.5,
              minSamples: 2,
              window: 4,
            },
          },
        },
      },
      env: {},
    });
  };

  before(async () => {
    up = await startScriptedUpstream();
    hooks = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(parts).toString()) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'penny-guard-restart-'));
    await start();
  });
  after(async () => {
    await app.close();
    await up.close();
    await new Promise<void>((r) => hooks.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * One client call and its evaluation call. While the tactic is active the client gets `cheap` and the
   * shadow call `strong`; in shadow mode the client gets `strong` and the tactic run `cheap`.
   */
  async function ask(cheap: string | null, strong: string | null): Promise<string> {
    const shadowed = route()?.mode === 'shadow';
    const calls: Array<[string, string | null]> = [
      ['gpt-4o-mini', cheap],
      ['gpt-4o', strong],
    ];
    if (shadowed) calls.reverse();
    for (const [model, text] of calls) if (text !== null) up.next(reply(model, text));
    const openai = new OpenAI({ apiKey: 'penny', baseURL: `${app.url}/v1`, maxRetries: 0 });
    const { response } = await openai.chat.completions
      .create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'What is 6 × 7?' }] },
        { headers: { 'x-penny-feature': 'math' } },
      )
      .withResponse();
    await app.quality.drain();
    await app.governance.drain();
    return response.headers.get('x-penny-request-id')!;
  }
  const served = async (id: string) => {
    await app.ledger.flush();
    return (await app.ledger.query({})).find((e) => e.id === id)?.servedModel;
  };
  const route = () => app.quality.guardrail.states().find((s) => s.tactic === 'route');

  test('a trip sends an alert to the webhooks; after a restart the tactic is still in shadow mode', async () => {
    app.quality.random = () => 0.1; // every changed answer evaluated
    await ask('41', '42');
    assert.equal(received.length, 0, 'one disagreement is under minSamples');
    await ask('41', '42'); // 0 of 2 → Wilson lower bound 0 < 0.5
    assert.equal(route()?.mode, 'shadow');
    const json = received.filter((h) => h.path === '/penny');
    assert.equal(json.length, 1);
    assert.equal(json[0]?.body.kind, 'quality_guardrail');
    assert.deepEqual(
      [json[0]?.body.feature, json[0]?.body.tactic, json[0]?.body.mode, json[0]?.body.agree, json[0]?.body.n],
      ['math', 'route', 'shadow', 0, 2],
    );
    assert.equal(json[0]?.body.floor, 0.5);
    assert.match(String(json[0]?.body.message), /tactic route of feature math switched to shadow mode/);
    const slack = received.filter((h) => h.path === '/slack');
    assert.equal(slack.length, 1);
    assert.match(String(slack[0]?.body.text), /^Penny: quality guardrail: tactic route of feature math/);

    await app.close();
    await start();
    const state = route();
    assert.equal(state?.mode, 'shadow', 'still shadowed after the restart');
    assert.deepEqual([state?.agree, state?.n], [0, 2], 'with the verdict window it had');
    assert.equal(received.length, 2, 'a restored state is not announced again');
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    assert.match(metrics, /penny_quality_tactic_shadowed\{feature="math",tactic="route"\} 1/);
    // Served without the tactic: the model asked for, no saving.
    app.quality.random = () => 0.9;
    up.next(reply('gpt-4o', '42'));
    assert.equal(await served(await ask(null, null)), 'gpt-4o');
  });

  test('when the evidence recovers the tactic returns, with an alert; the window carried over the restart', async () => {
    app.quality.random = () => 0.1; // every request sampled for a tactic run
    // Served as sent ('42' from gpt-4o), then run with the route ('42' from gpt-4o-mini) and compared.
    // Restored [✗ ✗]; four agreements fill the window of 4 → 4/4, lower bound 0.51 ≥ 0.5.
    for (let i = 0; i < 3; i++) {
      await ask('42', '42');
      assert.equal(
        route()?.mode,
        'shadow',
        `after ${i + 1} agreement(s) the restored disagreements still count`,
      );
    }
    await ask('42', '42');
    assert.equal(route()?.mode, 'active');
    const json = received.filter((h) => h.path === '/penny');
    assert.deepEqual(
      json.map((h) => h.body.mode),
      ['shadow', 'active'],
    );
    assert.match(String(json[1]?.body.message), /tactic route of feature math is back in service/);
    assert.equal(json[1]?.body.n, 4);
    const switches = await (await app.quality.ready())!.evaluations.switches({ feature: 'math' });
    assert.deepEqual(
      switches.map((s) => s.mode),
      ['active', 'shadow'],
    );
  });
});
