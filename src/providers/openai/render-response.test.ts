import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CanonicalRequest } from '../../core/request.js';
import type { CanonicalResponse } from '../../core/response.js';
import { parseRequest } from './parse-request.js';
import { parseResponse } from './parse-response.js';
import { renderResponse } from './render-response.js';

const req: CanonicalRequest = parseRequest({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });

test('an OpenAI upstream response renders back to the same body', () => {
  const body = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-4o-2024-08-06',
    system_fingerprint: 'fp_1',
    service_tier: 'default',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'wx', arguments: '{}' } }],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
      {
        index: 1,
        message: { role: 'assistant', content: 'Hello', refusal: null },
        logprobs: { content: [], refusal: null },
        finish_reason: 'length',
      },
    ],
    usage: {
      prompt_tokens: 20,
      completion_tokens: 9,
      total_tokens: 29,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
    },
  };
  assert.deepEqual(renderResponse(parseResponse(body, 'openai'), req), body);
});

test('an Anthropic-sourced response renders as a valid chat.completion', () => {
  const res: CanonicalResponse = {
    id: 'msg_01',
    model: 'claude-sonnet-4-5',
    created: 1_700_000_001,
    choices: [
      {
        index: 0,
        content: [
          { type: 'reasoning', text: 'thinking…', signature: 's' },
          { type: 'text', text: 'Let me ' },
          { type: 'text', text: 'check.' },
          { type: 'tool_call', id: 'toolu_1', name: 'wx', arguments: '{"c":"Oslo"}' },
          { type: 'raw', dialect: 'anthropic', value: { type: 'server_tool_use' } },
        ],
        finish: { unified: 'tool_calls', raw: 'tool_use' },
      },
    ],
    usage: {
      inputUncached: 10,
      cacheRead: 2000,
      cacheWrite5m: 300,
      cacheWrite1h: 0,
      outputText: 50,
      reasoning: 20,
    },
    stopSequence: null,
    extra: { container: null },
    sourceDialect: 'anthropic',
  };
  assert.deepEqual(renderResponse(res, req), {
    id: 'msg_01',
    object: 'chat.completion',
    created: 1_700_000_001,
    model: 'claude-sonnet-4-5',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'Let me check.',
          refusal: null,
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'wx', arguments: '{"c":"Oslo"}' } },
          ],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ],
    usage: {
      prompt_tokens: 2310,
      completion_tokens: 70,
      total_tokens: 2380,
      prompt_tokens_details: { cached_tokens: 2000, cache_write_tokens: 300 },
      completion_tokens_details: { reasoning_tokens: 20 },
    },
  });
});

test('Anthropic finish values map by unified value; no usage means no usage field', () => {
  const mk = (unified: 'stop' | 'length', raw: string): CanonicalResponse => ({
    id: 'm',
    model: 'claude',
    created: 0,
    choices: [{ index: 0, content: [{ type: 'text', text: 'x' }], finish: { unified, raw } }],
    usage: null,
  });
  const a = renderResponse(mk('stop', 'end_turn'), req);
  assert.equal((a.choices as Array<{ finish_reason: string }>)[0]?.finish_reason, 'stop');
  assert.equal('usage' in a, false);
  const b = renderResponse(mk('length', 'max_tokens'), req);
  assert.equal((b.choices as Array<{ finish_reason: string }>)[0]?.finish_reason, 'length');
  const c = renderResponse(mk('stop', 'stop_sequence'), req);
  assert.equal((c.choices as Array<{ finish_reason: string }>)[0]?.finish_reason, 'stop');
});
