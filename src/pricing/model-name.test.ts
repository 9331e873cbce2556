import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nameCandidates, normalizeProviderId } from './model-name.js';

test('snapshot suffixes strip one at a time', () => {
  assert.deepEqual(nameCandidates('claude-sonnet-4-5-20250929'), [
    'claude-sonnet-4-5-20250929',
    'claude-sonnet-4-5',
  ]);
  assert.deepEqual(nameCandidates('gpt-4o-2024-08-06'), ['gpt-4o-2024-08-06', 'gpt-4o']);
  assert.deepEqual(nameCandidates('claude-sonnet-4@20250514'), [
    'claude-sonnet-4@20250514',
    'claude-sonnet-4',
  ]);
  assert.deepEqual(nameCandidates('claude-3-5-sonnet-20240620-v1:0'), [
    'claude-3-5-sonnet-20240620-v1:0',
    'claude-3-5-sonnet-20240620',
    'claude-3-5-sonnet',
  ]);
  assert.deepEqual(nameCandidates('gpt-4-0613'), ['gpt-4-0613', 'gpt-4']);
  assert.deepEqual(nameCandidates('claude-3-7-sonnet-latest'), [
    'claude-3-7-sonnet-latest',
    'claude-3-7-sonnet',
  ]);
});

test('names that only look numeric are left alone', () => {
  assert.deepEqual(nameCandidates('llama3-70b-8192'), ['llama3-70b-8192']);
  assert.deepEqual(nameCandidates('mixtral-8x7b-32768'), ['mixtral-8x7b-32768']);
  assert.deepEqual(nameCandidates('gpt-4o'), ['gpt-4o']);
});

test('provider spellings normalise', () => {
  assert.equal(normalizeProviderId('Gemini'), 'google');
  assert.equal(normalizeProviderId('together_ai'), 'together');
  assert.equal(normalizeProviderId('xai'), 'x-ai');
  assert.equal(normalizeProviderId('vertex_ai-language-models'), 'vertex_ai');
  assert.equal(normalizeProviderId('openai'), 'openai');
});
