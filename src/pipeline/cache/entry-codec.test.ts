import assert from 'node:assert/strict';
import { hash } from 'node:crypto';
import { test } from 'node:test';
import { crc32 as crc32Of } from 'node:zlib';
import { CODECS } from '../../providers/codecs.js';
import { type CachedAnswer, decodeAnswer, encodeAnswer } from './entry-codec.js';

const usage = {
  inputUncached: 10,
  cacheRead: 0,
  cacheWrite5m: 0,
  cacheWrite1h: 0,
  outputText: 3,
  reasoning: 0,
};
const answer: CachedAnswer = {
  key: 'k1',
  storedAt: 1000,
  expiresAt: 5000,
  provider: 'openai',
  servedModel: 'gpt-4o-mini',
  simulated: false,
  response: {
    id: 'chatcmpl-1',
    model: 'gpt-4o-mini',
    created: 1,
    usage,
    choices: [
      { index: 0, content: [{ type: 'text', text: 'Hello é 😀' }], finish: { unified: 'stop', raw: 'stop' } },
    ],
  },
};

test('entry codec: round trip', () => {
  const d = decodeAnswer(encodeAnswer(answer), 'k1', 2000);
  assert.deepEqual(d, { ok: true, answer });
});

test('entry codec: anything damaged, foreign or stale is refused with a reason', () => {
  const text = encodeAnswer(answer);
  const cases: Array<[string, string, string, number]> = [
    ['other version', text.replace(/^P2/, 'P9'), 'unknown version', 2000],
    ['tampered answer', text.replace('Hello', 'Hellx'), 'checksum mismatch', 2000],
    ['truncated', text.slice(0, text.length - 5), 'checksum mismatch', 2000],
    ['no checksum', 'P2 ', 'truncated', 2000],
    ['no header line', `P2 ${crc32Of('{}').toString(16).padStart(8, '0')} {}`, 'truncated', 2000],
    ['another key', text, 'stored under another key', 2000],
    ['expired', text, 'expired', 5000],
  ];
  for (const [label, t, reason, now] of cases) {
    const d = decodeAnswer(t, label === 'another key' ? 'k2' : 'k1', now);
    assert.deepEqual(d, { ok: false, reason }, label);
  }
});

test('entry codec: a well-formed entry that is not a complete response is refused', () => {
  const bad = { ...answer, response: { ...answer.response, choices: [] } };
  assert.deepEqual(decodeAnswer(encodeAnswer(bad), 'k1', 2000), {
    ok: false,
    reason: 'not a complete response',
  });
  const noUsage = { ...answer, response: { ...answer.response, usage: null } };
  assert.equal(decodeAnswer(encodeAnswer(noUsage), 'k1', 2000).ok, false);
});

// The upstream's own answer texts, as the benchmark's and the e2e fake upstream answer.
const OPENAI_TEXT =
  '{"id":"chatcmpl-9","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"echo: hi é 😀","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":16,"completion_tokens":6,"total_tokens":22,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0}},"service_tier":"default","system_fingerprint":"fp_x"}';
const ANTHROPIC_TEXT =
  '{"id":"msg_1","type":"message","role":"assistant","model":"claude-3-5-haiku-latest","content":[{"type":"text","text":"echo: hi"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":4,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}';

test('entry codec: an answer stored as the upstream text decodes into the response the call parsed', () => {
  for (const [dialect, text] of [
    ['openai', OPENAI_TEXT],
    ['anthropic', ANTHROPIC_TEXT],
  ] as const) {
    const response = CODECS[dialect].parseResponse(JSON.parse(text), 'up');
    if (response.created === 0) response.created = 1234; // stamped by the call (Anthropic carries none)
    const a: CachedAnswer = { ...answer, provider: 'up', response };
    const entry = encodeAnswer(a, { dialect, text });
    assert.ok(entry.endsWith(`\n${text}`), `${dialect}: the upstream's bytes are stored as they came`);
    assert.deepEqual(decodeAnswer(entry, 'k1', 2000), { ok: true, answer: a }, dialect);
    // The same answer stored as canonical JSON decodes the same.
    assert.deepEqual(decodeAnswer(encodeAnswer(a), 'k1', 2000), { ok: true, answer: a }, dialect);
    const tampered = entry.replace('echo:', 'echo;');
    assert.notEqual(tampered, entry);
    assert.deepEqual(decodeAnswer(tampered, 'k1', 2000), { ok: false, reason: 'checksum mismatch' });
  }
});

test('entry codec: a damaged source header or an answer text its codec refuses is not served', () => {
  const response = CODECS.openai.parseResponse(JSON.parse(OPENAI_TEXT), 'up');
  const a: CachedAnswer = { ...answer, provider: 'up', response };
  const reseal = (body: string) => `P2 ${crc32Of(body).toString(16).padStart(8, '0')} ${body}`;
  const body = encodeAnswer(a, { dialect: 'openai', text: OPENAI_TEXT }).slice(12);
  assert.deepEqual(decodeAnswer(reseal(body.replace('"d":"openai"', '"d":"klingon"')), 'k1', 2000), {
    ok: false,
    reason: 'bad answer source',
  });
  assert.deepEqual(decodeAnswer(reseal(body.replace(/"c":\d+/, '"c":"x"')), 'k1', 2000), {
    ok: false,
    reason: 'bad answer source',
  });
  const noChoices = body.replace(/"choices":\[.*\],"usage"/, '"choices":[],"usage"');
  assert.notEqual(noChoices, body);
  assert.deepEqual(decodeAnswer(reseal(noChoices), 'k1', 2000), {
    ok: false,
    reason: 'not a complete response',
  });
});

test('entry codec: entries of the earlier format (P1, SHA-256) are still read, and checked', () => {
  const json = JSON.stringify({
    k: 'k1',
    t: 1000,
    e: 5000,
    p: 'openai',
    m: 'gpt-4o-mini',
    s: false,
    r: answer.response,
  });
  const p1 = `P1 ${hash('sha256', json, 'hex').slice(0, 24)} ${json}`;
  assert.deepEqual(decodeAnswer(p1, 'k1', 2000), { ok: true, answer });
  assert.deepEqual(decodeAnswer(p1.replace('Hello', 'Hellx'), 'k1', 2000), {
    ok: false,
    reason: 'checksum mismatch',
  });
  assert.deepEqual(decodeAnswer(p1, 'k1', 5000), { ok: false, reason: 'expired' });
});
