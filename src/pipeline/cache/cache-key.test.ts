import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CanonicalRequest } from '../../core/request.js';
import { CODECS } from '../../providers/codecs.js';
import { KEY_TEXT_FIELDS, exactKey, keyParts, keyText, paramsHash } from './cache-key.js';
import { stableJson } from './semantic/scope.js';

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

test('cache key: keyText writes its fields in the order stableJson sorts them', () => {
  assert.deepEqual([...KEY_TEXT_FIELDS], [...KEY_TEXT_FIELDS].sort());
  const full = openai({
    ...base,
    n: 1,
    seed: 1,
    stop: ['x'],
    top_p: 1,
    logprobs: true,
    top_logprobs: 2,
    max_tokens: 5,
    presence_penalty: 0,
    frequency_penalty: 0,
    parallel_tool_calls: false,
    reasoning_effort: 'low',
    response_format: { type: 'json_object' },
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
    tool_choice: 'auto',
    custom_field: 1,
  });
  full.topK = 3;
  assert.deepEqual(Object.keys(keyParts(full)).sort(), [...KEY_TEXT_FIELDS]);
});

/** Request bodies of the fixtures (both dialects) and of every part type, cache markers and extras. */
function keyFixtures(): CanonicalRequest[] {
  const out: CanonicalRequest[] = [];
  const root = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures');
  for (const line of readFileSync(join(root, 'workload/requests.jsonl'), 'utf8').split('\n'))
    if (line.trim()) out.push(openai(JSON.parse(line).body));
  for (const [file, dialect] of [
    ['audit/openai.jsonl', 'openai'],
    ['audit/anthropic.jsonl', 'anthropic'],
  ] as const)
    for (const line of readFileSync(join(root, file), 'utf8').split('\n')) {
      let row: { request?: unknown } | undefined;
      try {
        row = JSON.parse(line);
      } catch {
        continue; // the audit fixtures hold a damaged line on purpose
      }
      if (!row?.request) continue;
      try {
        out.push(CODECS[dialect].parseRequest(row.request));
      } catch {
        // a request its dialect refuses (the audit reads logs as they are): not a cacheable request
      }
    }
  const mark = { type: 'ephemeral' };
  out.push(
    openai({
      model: 'gpt-4o',
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'Rules "quoted" \u2028 ✓' }] },
        {
          role: 'user',
          name: 'ann',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'result' },
        { role: 'assistant', content: 'no', refusal: 'I cannot', audio: { id: 'x' } },
        { role: 'user', content: 'again' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'f',
            description: 'd',
            parameters: { type: 'object', b: 1, a: [1, { z: 1, y: 2 }] },
          },
        },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 's', schema: { type: 'object' }, strict: true },
      },
      temperature: 0.3,
      stop: 'END',
      user: 'u',
      metadata: { a: 'b' },
      web_search_options: { b: 2, a: 1 },
    }),
    CODECS.anthropic.parseRequest({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: [{ type: 'text', text: 'sys', cache_control: mark }],
      tools: [{ name: 't', input_schema: { type: 'object' }, cache_control: mark }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: mark }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 'sig' },
            { type: 'tool_use', id: 'tu', name: 't', input: { q: 1 } },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'tu',
              content: [{ type: 'text', text: 'r' }],
              is_error: true,
            },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'doc' } },
          ],
        },
      ],
      top_k: 5,
    }),
  );
  // A text part with a field the key must keep (not a plain text part): the generic path writes it.
  const odd = openai(base);
  (odd.messages[0]!.content[0] as unknown as Record<string, unknown>).citations = ['c'];
  out.push(odd);
  return out;
}

test('cache key: keyText is stableJson(keyParts(request)) on every fixture, so keys are unchanged', () => {
  const fixtures = keyFixtures();
  assert.ok(fixtures.length > 30);
  for (const req of fixtures) assert.equal(keyText(req), stableJson(keyParts(req)), req.model);
  assert.match(keyText(fixtures.at(-1)!), /"citations":\["c"\]/);
});
