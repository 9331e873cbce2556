/**
 * What lies between the upstream's answer and the client's: with the default stages (no tactics, SQLite
 * ledger, circuit breakers, prompt-cache placement), the answer is written within a bounded number of
 * microtask turns of the upstream call's promise settling. Stages and execution steps that only pass
 * next()'s promise on are plain functions: an async function returning a promise costs three more turns
 * each, on the path of every answer (issue 14, added latency at one client).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildCatalog } from '../app.js';
import { assembleCore, closeCore } from '../assemble.js';
import { loadConfig } from '../config/load.js';
import { CallAbort } from '../core/call-signal.js';
import { createLogger } from '../observability/logger.js';
import type { CallOptions, UpstreamAnswer } from '../providers/upstream.js';
import type { ResponseSink } from './context.js';

const ANSWER =
  '{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}';
/**
 * Turns measured when this test was written: 5 — callTarget's await of the upstream call, then one each in the
 * circuit breaker, the prompt-cache adapter's attempt, the guard and the gateway (12 at the start of round 8).
 */
const MAX_TURNS = 5;

test('the client is answered within a few microtask turns of the upstream answer (default stages)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'penny-turns-'));
  const loaded = loadConfig({
    object: {
      ledger: { path: join(dir, 'ledger.db') },
      providers: {
        openai: { type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-test-0123456789abcdef' },
      },
    },
    env: {},
  });
  const core = assembleCore({ loaded, catalog: buildCatalog(loaded), logger: createLogger('silent') });
  try {
    let answer: (() => void) | undefined;
    core.gateway.upstreams.call = (_p, _m, _b, opts: CallOptions) =>
      new Promise<UpstreamAnswer>((resolve) => {
        answer = () => {
          const headers = { 'content-type': 'application/json' };
          opts.onResponse?.(200, headers);
          resolve({ statusCode: 200, headers, text: ANSWER });
        };
      });
    let written = false;
    const sink: ResponseSink = {
      closed: false,
      json: () => {
        written = true;
      },
      startStream: () => {},
      write: () => {},
      end: () => {},
    };
    const raw = Buffer.from(
      JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    );
    const done = core.gateway.handle({
      dialect: 'openai',
      body: JSON.parse(raw.toString()),
      raw,
      headers: { 'content-type': 'application/json' },
      sink,
      signal: new CallAbort().signal,
    });
    for (let i = 0; answer === undefined && i < 100; i++) await new Promise((r) => setImmediate(r));
    assert.ok(answer, 'the upstream was called');
    answer();
    let turns = 0;
    while (!written && turns < 200) {
      await Promise.resolve();
      turns++;
    }
    assert.ok(written, 'the answer was written');
    assert.ok(
      turns <= MAX_TURNS,
      `answer written ${turns} microtask turns after the upstream's (at most ${MAX_TURNS})`,
    );
    const entry = await done;
    assert.equal(entry.status, 'ok');
  } finally {
    await closeCore(core);
    rmSync(dir, { recursive: true, force: true });
  }
});
