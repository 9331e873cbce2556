/**
 * 10,000 distinct feature names (and as many users and bogus model names) through the gateway: /metrics
 * stays bounded — the label caps turn later values into "other" — and every request still has its entry.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { type Harness, startHarness } from './harness.js';

const N = 10_000;
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

function post(url: string, i: number): Promise<number> {
  const body = JSON.stringify({
    model: i % 2 ? 'gpt-4o-mini' : `no-such-model-${i}`,
    messages: [{ role: 'user', content: 'hi' }],
  });
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/chat/completions`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'x-penny-feature': `feature-${i}`,
          'x-penny-user': `user-${i}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('metrics cardinality under 10,000 distinct names', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    agent.destroy();
    await h.close();
  });

  test('series stay bounded and every request is recorded', async () => {
    let next = 0;
    const worker = async () => {
      while (next < N) await post(h.app.url, next++);
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const entries = await h.entries();
    assert.equal(entries.length, N);
    assert.equal(new Set(entries.map((e) => e.feature)).size, N, 'the ledger keeps every feature name');
    const text = await (await fetch(`${h.app.url}/metrics`)).text();
    const features = new Set([...text.matchAll(/feature="([^"]*)"/g)].map((m) => m[1]));
    assert.ok(features.size <= 52, `${features.size} feature label values`);
    assert.ok(features.has('other'));
    const series = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
    assert.ok(series < 20_000, `${series} series`);
    assert.ok(text.length < 5_000_000, `${text.length} bytes of /metrics`);
  });
});
