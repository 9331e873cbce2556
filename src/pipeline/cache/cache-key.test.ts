import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CanonicalRequest } from '../../core/request.js';
import { CODECS } from '../../providers/codecs.js';
import { exactKey, paramsHash } from './cache-key.js';

const openai = (body: Record<string, unknown>) => CODECS.openai.parseRequest(body);
const base = { model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: 'Hello' }] };
const key = (r: CanonicalRequest, ns = 'ns') => exactKey(r, ns);

test('cache key: transport and bookkeeping fields do not change it', () => {
  const k = key(openai(base));
  assert.match(k, /^[0-9a-f]{64}$/);
  for (const extra of [
    { stream: true },
    { stream: true, stream_options: { include_usage: true } },
    { user: 'u-1' },
    { metadata: { a: '1' } },
    { prompt_cache_key: 'x' },
    { service_tier: 'auto' },
  ])
    assert.equal(key(openai({ ...base, ...extra })), k, JSON.stringify(extra));
  // A cache_control marker changes what is billed, not what is answered.
  const marked = openai({
    ...base,
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Hello', cache_control: { type: 'ephemeral' } }] },
    ],
  });
  assert.equal(key(marked), k);
});

test('cache key: every output-changing part changes it', () => {
  const k = key(openai(base));
  const variants: Record<string, unknown>[] = [
    { model: 'gpt-4o' },
    { messages: [{ role: 'user', content: 'Hello!' }] },
    {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
    },
    { temperature: 0.5 },
    { top_p: 0.9 },
    { max_tokens: 10 },
    { stop: ['\n'] },
    { n: 2 },
    { seed: 7 },
    { logprobs: true },
    { presence_penalty: 1 },
    { frequency_penalty: 1 },
    { reasoning_effort: 'low' },
    { response_format: { type: 'json_object' } },
    { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] },
    {
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      tool_choice: 'required',
    },
  ];
  const seen = new Set([k]);
  for (const v of variants) {
    const kv = key(openai({ ...base, ...v }));
    assert.ok(!seen.has(kv), `changes the key: ${JSON.stringify(v)}`);
    seen.add(kv);
  }
  assert.notEqual(key(openai(base), 'other-namespace'), k);
});

test('cache key: the same request in OpenAI and Anthropic format shares one key', () => {
  const o = openai({
    model: 'claude-haiku-4-5',
    max_tokens: 50,
    temperature: 0,
    messages: [{ role: 'user', content: 'Hi' }],
  });
  const a = CODECS.anthropic.parseRequest({
    model: 'claude-haiku-4-5',
    max_tokens: 50,
    temperature: 0,
    messages: [{ role: 'user', content: 'Hi' }],
  });
  assert.equal(key(o), key(a));
});

test('params hash: ignores the prompt, follows the sampling parameters', () => {
  const a = paramsHash(openai(base));
  assert.equal(paramsHash(openai({ ...base, messages: [{ role: 'user', content: 'Other' }] })), a);
  assert.notEqual(paramsHash(openai({ ...base, max_tokens: 5 })), a);
});
