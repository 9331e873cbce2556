import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UnreadableLogError, detectFormat, detectFromText } from './detect.js';
import { readLog } from './read-log.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/audit/', import.meta.url));

describe('format detection', () => {
  for (const [file, format] of [
    ['openai.jsonl', 'openai'],
    ['openai-batch.jsonl', 'openai'],
    ['anthropic.jsonl', 'anthropic'],
    ['ledger.jsonl', 'ledger'],
    ['usage.csv', 'csv'],
  ] as const) {
    test(`${file} is ${format}`, async () => {
      assert.equal((await detectFormat(join(FIXTURES, file))).format, format);
    });
  }

  test('a malformed first line does not decide the format', () => {
    const text =
      '{oops\n{"request":{"model":"claude-3-haiku","messages":[]},"response":{"type":"message","usage":{"input_tokens":1,"output_tokens":1}}}\n';
    assert.equal(detectFromText('x', text, false).format, 'anthropic');
  });

  test('CSV header columns are matched case-insensitively with aliases', () => {
    const d = detectFromText('x', 'Model,Prompt_Tokens,Completion_Tokens,Feature\n', false);
    assert.equal(d.format, 'csv');
    assert.deepEqual(d.csv?.index, { model: 0, input: 1, output: 2, feature: 3 });
  });

  for (const [file, problem] of [
    ['empty.jsonl', /the file is empty/],
    ['blank.jsonl', /the file is empty/],
    ['unknown.txt', /unknown format/],
  ] as const) {
    test(`${file}: a clear error that names the formats read`, async () => {
      await assert.rejects(
        readLog(join(FIXTURES, file), { onRecord: () => {} }),
        (err: unknown) =>
          err instanceof UnreadableLogError &&
          problem.test(err.message) &&
          err.message.includes('OpenAI request+response JSONL') &&
          err.message.includes('Anthropic request+response JSONL') &&
          err.message.includes('ledger export') &&
          err.message.includes('CSV'),
      );
    });
  }

  test('JSON lines of no known shape are an unknown format', () => {
    assert.throws(
      () => detectFromText('x', '{"a":1}\n{"b":2}\n', false),
      /unknown format: the first JSON lines/,
    );
  });

  test('a missing file is an UnreadableLogError, not a crash', async () => {
    await assert.rejects(
      readLog(join(FIXTURES, 'nope.jsonl'), { onRecord: () => {} }),
      /cannot read the file \(ENOENT\)/,
    );
  });
});
