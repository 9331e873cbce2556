import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../config/load.js';
import { PennyError } from '../core/errors.js';
import { TargetResolver } from './resolve-target.js';

test('models resolve by alias, provider prefix, model list, family, then a lone catch-all', () => {
  const loaded = loadConfig({
    env: { OPENAI_API_KEY: 'sk-x', ANTHROPIC_API_KEY: 'sk-ant-y' },
    object: {
      providers: {
        groq: { type: 'openai-compatible', baseUrl: 'https://api.groq.com/openai/v1', models: ['llama-*'] },
        local: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:11434/v1' },
      },
      models: { cheap: { provider: 'groq', model: 'llama-3.1-8b-instant' } },
    },
  });
  const r = new TargetResolver(loaded);
  assert.deepEqual(
    [r.resolve('cheap').provider.name, r.resolve('cheap').model],
    ['groq', 'llama-3.1-8b-instant'],
  );
  assert.equal(r.resolve('llama-3.3-70b-versatile').provider.name, 'groq');
  assert.equal(r.resolve('gpt-4o').provider.name, 'openai');
  assert.equal(r.resolve('o3-mini').provider.name, 'openai');
  assert.equal(r.resolve('claude-opus-4-1').provider.name, 'anthropic');
  assert.deepEqual(
    [r.resolve('groq/whatever').provider.name, r.resolve('groq/whatever').model],
    ['groq', 'whatever'],
  );
  assert.equal(r.resolve('qwen2.5:7b').provider.name, 'local');
});

test('an unservable model is an unknown_model error that says what to configure', () => {
  const r = new TargetResolver(loadConfig({ env: { OPENAI_API_KEY: 'sk-x' }, object: {} }));
  assert.throws(
    () => r.resolve('mistral-large'),
    (e: unknown) => e instanceof PennyError && e.code === 'unknown_model' && /models/.test(e.message),
  );
});
