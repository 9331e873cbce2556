import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acceptsClientKey, clientKeyCandidate } from './client-key.js';

const OPENAI_KEY = 'sk-proj-abcdefghijklmnopqrstuvwxyz';
const ANTHROPIC_KEY = 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz';

test('an Anthropic key never goes to an OpenAI-format provider, an OpenAI key never to Anthropic', () => {
  assert.equal(acceptsClientKey('openai', OPENAI_KEY), true);
  assert.equal(acceptsClientKey('openai', ANTHROPIC_KEY), false);
  assert.equal(acceptsClientKey('responses', ANTHROPIC_KEY), false);
  assert.equal(acceptsClientKey('anthropic', ANTHROPIC_KEY), true);
  assert.equal(acceptsClientKey('anthropic', OPENAI_KEY), false);
});

test("the dialect's own key header wins over the bearer token", () => {
  const headers = (h: Record<string, string>) => (name: string) => h[name];
  assert.equal(
    clientKeyCandidate('anthropic', headers({ 'x-api-key': 'from-header' }), ANTHROPIC_KEY),
    'from-header',
  );
  assert.equal(clientKeyCandidate('anthropic', headers({}), ANTHROPIC_KEY), ANTHROPIC_KEY);
  assert.equal(clientKeyCandidate('anthropic', headers({}), OPENAI_KEY), undefined);
  assert.equal(clientKeyCandidate('openai', headers({ 'x-api-key': ANTHROPIC_KEY }), OPENAI_KEY), OPENAI_KEY);
  assert.equal(clientKeyCandidate('openai', headers({}), ANTHROPIC_KEY), undefined);
  assert.equal(clientKeyCandidate('openai', headers({}), undefined), undefined);
});
