import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type Harness, startHarness } from './harness.js';

const PENNY = ['--import', 'tsx', 'src/cli/run.ts'];

describe('penny export finetune from a gateway run with storePrompts on for one feature only', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      config: { features: { support: { storePrompts: true }, search: { storePrompts: false } } },
    });
  });
  after(() => h.close());

  test('only the opted-in feature is stored and exported; left-out rows are counted by reason', async () => {
    const openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    const anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
    const support = { headers: { 'x-penny-feature': 'support' } };
    const search = { headers: { 'x-penny-feature': 'search' } };
    const system = { role: 'system' as const, content: 'You are the support desk.' };
    await openai.chat.completions.create(
      { model: 'gpt-4o', messages: [system, { role: 'user', content: 'where is my parcel #fake:words=6' }] },
      support,
    );
    const streamed = await openai.chat.completions.create(
      {
        model: 'gpt-4o',
        stream: true,
        messages: [system, { role: 'user', content: 'reset my password #fake:words=4' }],
      },
      support,
    );
    for await (const _ of streamed) {
      // drain: the assembled stream is what gets stored
    }
    await openai.chat.completions.create(
      {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'weather in Paris #fake:tool=get_weather' }],
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              parameters: { type: 'object', properties: { city: { type: 'string' } } },
            },
          },
        ],
      },
      support,
    );
    // Truncated (max_tokens), failed, and answered by another model: all left out.
    await openai.chat.completions.create(
      { model: 'gpt-4o', max_tokens: 3, messages: [{ role: 'user', content: 'long story #fake:words=40' }] },
      support,
    );
    await assert.rejects(
      openai.chat.completions.create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'boom #fake:status=500' }] },
        support,
      ),
    );
    await openai.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'small one #fake:words=3' }] },
      support,
    );
    // The feature whose policy is off: its prompt must never reach the body store.
    await openai.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'zebracorn-secret-query #fake:words=5' }] },
      search,
    );
    await anthropic.messages.create(
      {
        model: 'claude-haiku-4-5',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'zebracorn-other #fake:words=3' }],
      },
      search,
    );

    const entries = await h.entries();
    h.app.bodies?.flush();
    for (const e of entries)
      assert.match(String(e.meta?.promptHash), /^[0-9a-f]{32}$/, 'every entry has a prompt hash');
    const searchEntries = entries.filter((e) => e.feature === 'search');
    assert.equal(searchEntries.length, 2);
    for (const e of searchEntries) assert.equal(e.meta?.bodyHash, undefined);
    const stored = entries.filter((e) => typeof e.meta?.bodyHash === 'string');
    assert.equal(stored.length, 5, 'support answers that succeeded (incl. truncated and other model)');
    const bodiesFile = join(h.dir, 'ledger.bodies.db');
    const raw = readFileSync(bodiesFile).toString('latin1');
    assert.ok(raw.includes('where is my parcel') || readWal(bodiesFile).includes('where is my parcel'));
    assert.equal(raw.includes('zebracorn') || readWal(bodiesFile).includes('zebracorn'), false);

    const out = join(h.dir, 'support.jsonl');
    const r = spawnSync(
      process.execPath,
      [
        ...PENNY,
        'export',
        'finetune',
        '--feature',
        'support',
        '--out',
        out,
        '--ledger',
        join(h.dir, 'ledger.db'),
      ],
      { encoding: 'utf8', env: { ...process.env, PENNY_CONFIG: '', PENNY_LEDGER_PATH: '' } },
    );
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    const examples = lines.map(
      (l) => JSON.parse(l) as { messages: Array<Record<string, unknown>>; tools?: unknown[] },
    );
    assert.equal(examples.length, 3);
    assert.deepEqual(examples[0], {
      messages: [
        { role: 'system', content: 'You are the support desk.' },
        { role: 'user', content: 'where is my parcel #fake:words=6' },
        { role: 'assistant', content: examples[0]!.messages[2]!.content },
      ],
    });
    assert.match(String(examples[0]!.messages[2]!.content), /^echo:/);
    assert.match(String(examples[1]!.messages.at(-1)!.content), /^echo:/, 'the streamed answer, assembled');
    const toolExample = examples[2]!;
    assert.equal(
      (toolExample.tools as Array<{ function: { name: string } }>)[0]!.function.name,
      'get_weather',
    );
    const call = toolExample.messages.at(-1)!.tool_calls as Array<{ function: { name: string } }>;
    assert.equal(call[0]!.function.name, 'get_weather');
    assert.equal(lines.join('\n').includes('zebracorn'), false);

    assert.match(r.stderr, /wrote 3 examples for feature "support" answered by gpt-4o/);
    assert.match(r.stderr, /considered 6 requests; left out 3/);
    assert.match(r.stderr, /1 {2}failed or aborted request/);
    assert.match(r.stderr, /1 {2}answered by another model/);
    assert.match(r.stderr, /1 {2}truncated answer/);

    const none = spawnSync(
      process.execPath,
      [...PENNY, 'export', 'finetune', '--feature', 'search', '--json', '--ledger', join(h.dir, 'ledger.db')],
      { encoding: 'utf8', env: { ...process.env, PENNY_CONFIG: '', PENNY_LEDGER_PATH: '' } },
    );
    assert.equal(none.status, 0, none.stderr);
    assert.equal(none.stdout, '', 'nothing exported for a feature that never stored bodies');
    const summary = JSON.parse(none.stderr) as { written: number; leftOut: Record<string, number> };
    assert.equal(summary.written, 0);
    assert.equal(summary.leftOut.no_stored_body, 1);
    assert.equal(summary.leftOut.other_model, 1);
  });

  test('--feature is required', () => {
    const r = spawnSync(process.execPath, [...PENNY, 'export', 'finetune'], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--feature/);
  });
});

function readWal(dbFile: string): string {
  try {
    return readFileSync(`${dbFile}-wal`).toString('latin1');
  } catch {
    return '';
  }
}
