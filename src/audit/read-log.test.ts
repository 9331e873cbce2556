import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MAX_MALFORMED_EXAMPLES, readLog } from './read-log.js';
import type { AuditRecord } from './types.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/audit/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'penny-read-log-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function read(file: string) {
  const records: AuditRecord[] = [];
  const summary = await readLog(file, { onRecord: (r) => records.push(r) });
  return { records, summary };
}

describe('readLog', () => {
  test('OpenAI JSONL: prompt_tokens includes cached tokens; missing usage is estimated; bad lines reported by number', async () => {
    const { records, summary } = await read(join(FIXTURES, 'openai.jsonl'));
    assert.equal(summary.format, 'openai');
    assert.equal(summary.lines, 7);
    assert.equal(records.length, 4);
    const [first, second, gpt4, mini] = records;
    assert.deepEqual(first!.usage, {
      inputUncached: 200,
      cacheRead: 1000,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      outputText: 100,
      reasoning: 0,
    });
    assert.equal(first!.feature, 'support');
    assert.equal(first!.user, 'u1');
    assert.equal(first!.model, 'gpt-4o-2024-08-06');
    assert.equal(first!.maxTokens, 1000);
    assert.equal(first!.ts, Date.UTC(2025, 0, 1));
    assert.equal(first!.prompt!.lastUser, 'What is your refund policy?');
    assert.equal(first!.promptKey, second!.promptKey);
    assert.equal(gpt4!.line, 5);
    assert.equal(gpt4!.maxTokens, null);
    assert.deepEqual(mini!.usage, {
      inputUncached: 2,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      outputText: 1,
      reasoning: 0,
      estimated: true,
    });
    assert.equal(mini!.ts, Date.UTC(2025, 0, 2));
    assert.equal(summary.malformed.count, 2);
    assert.deepEqual(
      summary.malformed.examples.map((m) => m.line),
      [3, 7],
    );
    assert.match(summary.malformed.examples[0]!.reason, /invalid JSON/);
    assert.equal(summary.malformed.examples[1]!.excerpt, '{"hello":"world"}');
  });

  test('Anthropic JSONL: input_tokens excludes cache tokens; writes split by TTL; batch results priced as batch', async () => {
    const { records, summary } = await read(join(FIXTURES, 'anthropic.jsonl'));
    assert.equal(summary.format, 'anthropic');
    assert.equal(records.length, 3);
    assert.deepEqual(records[0]!.usage, {
      inputUncached: 100,
      cacheRead: 2000,
      cacheWrite5m: 500,
      cacheWrite1h: 0,
      outputText: 50,
      reasoning: 0,
    });
    assert.equal(records[0]!.user, 'u9');
    assert.equal(records[0]!.feature, 'chat');
    assert.deepEqual(records[1]!.usage, {
      inputUncached: 10,
      cacheRead: 0,
      cacheWrite5m: 100,
      cacheWrite1h: 200,
      outputText: 5,
      reasoning: 0,
    });
    assert.equal(records[1]!.truncated, true);
    assert.equal(records[1]!.prompt!.texts[0], 'Be brief.');
    assert.equal(records[2]!.batch, true);
    assert.equal(summary.malformed.count, 1);
    assert.equal(summary.malformed.examples[0]!.line, 3);
  });

  test('OpenAI Batch: output lines are paired with their input lines; failed outputs are skipped', async () => {
    const { records, summary } = await read(join(FIXTURES, 'openai-batch.jsonl'));
    assert.equal(records.length, 1);
    const r = records[0]!;
    assert.equal(r.batch, true);
    assert.equal(r.maxTokens, 50);
    assert.equal(r.prompt!.lastUser, 'Summarise: hello');
    assert.deepEqual(summary.skipped, {
      'batch input line (priced with its output line)': 1,
      'error response (not billed)': 1,
    });
    assert.equal(summary.unmatchedBatchInputs, 0);
  });

  test('ledger export: money as decimal strings, prompt hash for duplicates', async () => {
    const { records, summary } = await read(join(FIXTURES, 'ledger.jsonl'));
    assert.equal(summary.format, 'ledger');
    assert.equal(records.length, 2);
    assert.equal(records[0]!.cost, 270_000_000n);
    assert.equal(records[0]!.model, 'gpt-4o-mini');
    assert.equal(records[0]!.maxTokens, 1000);
    assert.notEqual(records[0]!.promptKey, null);
    assert.equal(records[0]!.promptKey, records[1]!.promptKey);
    assert.equal(summary.malformed.count, 1);
    assert.match(summary.malformed.examples[0]!.reason, /not a decimal amount/);
  });

  test('CSV: RFC 4180 quoting, a quoted field across lines, CRLF, bad rows by line number', async () => {
    const { records, summary } = await read(join(FIXTURES, 'usage.csv'));
    assert.equal(summary.format, 'csv');
    assert.equal(records.length, 3);
    assert.deepEqual(records[0]!.usage, {
      inputUncached: 200,
      cacheRead: 1000,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      outputText: 100,
      reasoning: 0,
    });
    assert.equal(records[1]!.feature, 'search, beta');
    assert.equal(records[1]!.maxTokens, null);
    assert.equal(records[2]!.feature, 'multi\nline "quoted"');
    assert.equal(records[2]!.line, 4);
    assert.deepEqual(
      summary.malformed.examples.map((m) => [m.line, m.reason]),
      [
        [6, 'input_tokens is not a token count: "12x"'],
        [7, 'expected 8 fields, found 4'],
      ],
    );
  });

  test('keeps the first 20 malformed examples but counts them all', async () => {
    const file = join(tmp, 'many-bad.jsonl');
    const good = (await import('node:fs'))
      .readFileSync(join(FIXTURES, 'openai.jsonl'), 'utf8')
      .split('\n')[0]!;
    const lines = [good];
    for (let i = 0; i < 30; i++) lines.push(`{broken ${i}`);
    lines.push(good);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { records, summary } = await read(file);
    assert.equal(records.length, 2);
    assert.equal(summary.malformed.count, 30);
    assert.equal(summary.malformed.examples.length, MAX_MALFORMED_EXAMPLES);
    assert.equal(summary.malformed.examples[0]!.line, 2);
    assert.equal(summary.malformed.examples[19]!.line, 21);
  });

  test('reports bytes read as progress, ending at the file size', async () => {
    const seen: number[] = [];
    const s = await readLog(join(FIXTURES, 'openai.jsonl'), {
      onRecord: () => {},
      onProgress: (b, total) => seen.push(b, total),
    });
    assert.equal(seen.at(-1), s.bytes);
    assert.equal(seen.at(-2), s.bytes);
  });
  test('a partial usage object keeps what the provider reported and estimates only the missing side', async () => {
    const anth = join(tmp, 'partial-anthropic.jsonl');
    const line = (usage: object) =>
      JSON.stringify({
        request: { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] },
        response: {
          type: 'message',
          model: 'claude-haiku-4-5',
          content: [{ type: 'text', text: 'Hello there, friend' }],
          usage,
        },
      });
    // A stream logged after it broke: message_start's input side only.
    writeFileSync(
      anth,
      `${line({ input_tokens: 881, cache_read_input_tokens: 346, cache_creation_input_tokens: 134 })}\n`,
    );
    const a = await read(anth);
    assert.deepEqual(a.records[0]!.usage, {
      inputUncached: 881,
      cacheRead: 346,
      cacheWrite5m: 134,
      cacheWrite1h: 0,
      outputText: 5,
      reasoning: 0,
      estimated: true,
    });
    const oai = join(tmp, 'partial-openai.jsonl');
    writeFileSync(
      oai,
      `${JSON.stringify({
        request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] },
        response: {
          object: 'chat.completion',
          model: 'gpt-4o-mini',
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there, friend' } }],
          usage: { prompt_tokens: 100, prompt_tokens_details: { cached_tokens: 40 } },
        },
      })}\n`,
    );
    const o = await read(oai);
    assert.deepEqual(o.records[0]!.usage, {
      inputUncached: 60,
      cacheRead: 40,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      outputText: 5,
      reasoning: 0,
      estimated: true,
    });
  });
});
