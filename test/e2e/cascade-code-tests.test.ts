/**
 * The code-execution check through the gateway: the fake upstream echoes the prompt ("echo: <text>"),
 * which is valid JavaScript (a labelled function declaration), so the prompt decides what code the cheap
 * model "writes". Passing code is served by the cheap model; failing code and an infinite loop escalate;
 * the sandbox run's latency and CPU time are in the ledger's check record.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { strictIsolationAvailable } from '../../src/sandbox/run-code.js';
import { type Harness, startHarness } from './harness.js';

interface Attempt {
  step: number;
  model: string;
  passed?: boolean;
  checks?: Array<{
    name: string;
    passed: boolean;
    detail?: string;
    latencyMs?: number;
    cpuMs?: number | null;
  }>;
}

const strict = strictIsolationAvailable();
if (!strict.ok) console.log(`# code-execution e2e skipped: ${strict.why}`);

describe('cascade code-execution check through the gateway', {
  skip: strict.ok ? false : (strict.why ?? true),
}, () => {
  let h: Harness;
  let openai: OpenAI;

  before(async () => {
    h = await startHarness({
      config: {
        features: {
          code: {
            cascade: {
              models: ['gpt-4o-mini', 'gpt-4o'],
              codeTests: {
                language: 'node',
                tests: "const assert = require('node:assert'); assert.equal(add(2, 3), 5);",
                timeoutMs: 5000,
                cpuSeconds: 1,
              },
            },
          },
        },
      },
    });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(() => h.close());

  const ask = async (code: string) => {
    const words = `echo: ${code}`.split(/\s+/).length;
    const { response } = await openai.chat.completions
      .create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: `${code} #fake:words=${words}` }] },
        { headers: { 'x-penny-feature': 'code' } },
      )
      .withResponse();
    const id = response.headers.get('x-penny-request-id');
    let e: LedgerEntry | undefined;
    for (let i = 0; i < 100 && !e; i++) {
      e = (await h.entries()).find((x) => x.id === id);
      if (!e) await new Promise((r) => setTimeout(r, 20));
    }
    const cascade = e?.meta?.cascade as { attempts: Attempt[] } | undefined;
    assert.ok(cascade, 'ledger entry with cascade meta');
    return cascade.attempts;
  };
  const codeCheck = (a: Attempt) => a.checks?.find((c) => c.name === 'codeTests');

  test('passing code is accepted from the cheap model, with the run’s time recorded', async () => {
    const attempts = await ask('function add(a, b) { return a + b; }');
    assert.equal(attempts.length, 1);
    const c = codeCheck(attempts[0]!)!;
    assert.equal(c.passed, true, c.detail);
    assert.equal(typeof c.latencyMs, 'number');
    assert.ok('cpuMs' in c);
  });

  test('failing code escalates to the strong model', async () => {
    const attempts = await ask('function add(a, b) { return a - b; }');
    assert.deepEqual(
      attempts.map((a) => a.model),
      ['gpt-4o-mini', 'gpt-4o'],
    );
    const c = codeCheck(attempts[0]!)!;
    assert.equal(c.passed, false);
    assert.match(c.detail ?? '', /tests failed/);
  });

  test('an infinite loop is stopped and escalates', async () => {
    const attempts = await ask('function add(a, b) { for (;;) {} }');
    assert.equal(attempts.length, 2);
    assert.equal(codeCheck(attempts[0]!)!.passed, false);
  });
});
