import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { baseModelName, encodingForModel } from './encoding-for-model.js';

describe('encodingForModel', () => {
  const cases: Array<[string, ReturnType<typeof encodingForModel>]> = [
    ['gpt-4o', 'o200k_base'],
    ['gpt-4o-mini-2024-07-18', 'o200k_base'],
    ['gpt-4.1-nano', 'o200k_base'],
    ['gpt-4.5-preview', 'o200k_base'],
    ['gpt-5', 'o200k_base'],
    ['gpt-5.1-codex', 'o200k_base'],
    ['o1-mini', 'o200k_base'],
    ['o3', 'o200k_base'],
    ['o4-mini-2025-04-16', 'o200k_base'],
    ['chatgpt-4o-latest', 'o200k_base'],
    ['gpt-oss-120b', 'o200k_base'],
    ['gpt-7-ultra', 'o200k_base'],
    ['GPT-4O', 'o200k_base'],
    ['openai/gpt-4o', 'o200k_base'],
    ['ft:gpt-4o-mini-2024-07-18:acme::abc123', 'o200k_base'],
    ['gpt-4', 'cl100k_base'],
    ['gpt-4-0613', 'cl100k_base'],
    ['gpt-4-turbo', 'cl100k_base'],
    ['gpt-4-turbo-2024-04-09', 'cl100k_base'],
    ['gpt-3.5-turbo', 'cl100k_base'],
    ['gpt-35-turbo', 'cl100k_base'],
    ['ft:gpt-3.5-turbo-0125:acme::x', 'cl100k_base'],
    ['text-embedding-3-small', 'cl100k_base'],
    ['text-embedding-ada-002', 'cl100k_base'],
    ['claude-sonnet-4-5', null],
    ['anthropic.claude-3-haiku-20240307-v1:0', null],
    ['gemini-2.5-pro', null],
    ['meta-llama/Llama-3.1-70B-Instruct', null],
    ['mistral-large-latest', null],
    ['qwen2.5-72b', null],
    ['my-local-model', null],
    ['', null],
  ];
  for (const [model, expected] of cases) {
    test(`${model || '(empty)'} → ${expected}`, () => assert.equal(encodingForModel(model), expected));
  }

  test('baseModelName strips routing and fine-tune wrappers', () => {
    assert.equal(baseModelName('openrouter/openai/GPT-4o'), 'gpt-4o');
    assert.equal(baseModelName('ft:gpt-4o-2024-08-06:org:name:id'), 'gpt-4o-2024-08-06');
  });
});
