import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LineSplitter, parseResultLine } from './result-lines.js';

describe('batch result lines', () => {
  test('OpenAI chat line: usage split (cached tokens out of prompt_tokens)', () => {
    const line = JSON.stringify({
      custom_id: 'a',
      response: {
        status_code: 200,
        body: {
          model: 'gpt-4o-mini-2024-07-18',
          usage: { prompt_tokens: 100, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 40 } },
        },
      },
      error: null,
    });
    const r = parseResultLine('openai', line);
    assert.ok(r?.ok);
    assert.equal(r.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(r.usage.inputUncached, 60);
    assert.equal(r.usage.cacheRead, 40);
    assert.equal(r.usage.outputText, 20);
  });
  test('OpenAI Responses line counts input_tokens/output_tokens', () => {
    const line = JSON.stringify({
      custom_id: 'r',
      response: {
        status_code: 200,
        body: { model: 'gpt-4o', usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } },
      },
    });
    const r = parseResultLine('openai', line);
    assert.ok(r?.ok);
    assert.equal(r.usage.inputUncached, 10);
    assert.equal(r.usage.outputText, 5);
  });
  test('OpenAI error line and non-200 line are failures with the reason', () => {
    const e = parseResultLine(
      'openai',
      JSON.stringify({ custom_id: 'e', response: null, error: { code: 'batch_expired', message: 'late' } }),
    );
    assert.deepEqual(e, { customId: 'e', ok: false, status: 0, error: 'batch_expired: late' });
    const f = parseResultLine(
      'openai',
      JSON.stringify({ custom_id: 'f', response: { status_code: 400, body: { error: { message: 'bad' } } } }),
    );
    assert.equal(f?.ok, false);
    assert.equal(f && !f.ok ? f.error : '', 'http_400: bad');
  });
  test('Anthropic succeeded and errored lines', () => {
    const ok = parseResultLine(
      'anthropic',
      JSON.stringify({
        custom_id: 'a',
        result: {
          type: 'succeeded',
          message: {
            model: 'claude-3-5-haiku-20241022',
            usage: { input_tokens: 7, output_tokens: 3, cache_read_input_tokens: 2 },
          },
        },
      }),
    );
    assert.ok(ok?.ok);
    assert.equal(ok.usage.inputUncached, 7);
    assert.equal(ok.usage.cacheRead, 2);
    const bad = parseResultLine(
      'anthropic',
      JSON.stringify({ custom_id: 'b', result: { type: 'errored', error: { error: { message: 'boom' } } } }),
    );
    assert.deepEqual(bad, { customId: 'b', ok: false, status: 0, error: 'errored: boom' });
  });
  test('not results lines: blank, not JSON, no custom_id', () => {
    assert.equal(parseResultLine('openai', ''), null);
    assert.equal(parseResultLine('openai', '{oops'), null);
    assert.equal(parseResultLine('anthropic', '{"result":{}}'), null);
  });
  test('LineSplitter: lines across chunks, no trailing newline, overlong lines dropped', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l), 10);
    s.push(Buffer.from('ab'));
    s.push(Buffer.from('c\nde'));
    s.push(Buffer.from('f\n0123456789ABC\n\nlast'));
    s.end();
    assert.deepEqual(lines, ['abc', 'def', 'last']);
    assert.equal(s.overlong, 1);
  });
  test('LineSplitter keeps multi-byte characters split across chunks', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const b = Buffer.from('café\n');
    s.push(b.subarray(0, 4));
    s.push(b.subarray(4));
    s.end();
    assert.deepEqual(lines, ['café']);
  });
});
