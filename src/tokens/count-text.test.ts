import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countOutputTokens, countText } from './count-text.js';

describe('countText', () => {
  test('known o200k_base and cl100k_base counts', () => {
    assert.deepEqual(countText('Hello, how are you?', 'gpt-4o'), {
      tokens: 6,
      exact: true,
      method: 'o200k_base',
    });
    assert.equal(countText('The quick brown fox jumps over the lazy dog.', 'gpt-4o').tokens, 10);
    assert.deepEqual(countText('hello world', 'gpt-4'), { tokens: 2, exact: true, method: 'cl100k_base' });
    assert.equal(countText('You are a helpful assistant.', 'gpt-3.5-turbo').tokens, 6);
  });

  test('the encodings differ where their vocabularies do', () => {
    const text = 'Стоимость токенов зависит от токенизатора.';
    assert.notEqual(countText(text, 'gpt-4o').tokens, countText(text, 'gpt-4').tokens);
  });

  test('empty text is zero tokens', () => {
    assert.equal(countText('', 'gpt-4o').tokens, 0);
    assert.equal(countText('', 'claude-sonnet-4-5').tokens, 0);
  });

  test('special-token strings in user text are counted as text, not rejected', () => {
    const r = countText('x <|endoftext|> y', 'gpt-4o');
    assert.ok(r.tokens > 3);
    assert.equal(r.exact, true);
  });

  test('non-OpenAI models get a labelled, scaled estimate', () => {
    const text = 'The quick brown fox jumps over the lazy dog.'; // 10 o200k tokens
    assert.deepEqual(countText(text, 'claude-sonnet-4-5'), {
      tokens: 12, // ceil(10 × 1.15)
      exact: false,
      method: 'estimate:claude(o200k_base*1.15)',
    });
    assert.equal(countText(text, 'claude-opus-4-7').tokens, 14); // ceil(10 × 1.38)
    assert.equal(countText(text, 'gemini-2.5-flash').method, 'estimate:gemini(o200k_base*1.05)');
    assert.equal(countText(text, 'mixtral-8x7b').tokens, 13);
    assert.equal(countText(text, 'some-local-model').method, 'estimate:generic(o200k_base*1.15)');
  });

  test('countOutputTokens counts generated text', () => {
    assert.equal(countOutputTokens('Hello, how are you?', 'gpt-4o-mini').tokens, 6);
    assert.equal(countOutputTokens('Hello, how are you?', 'claude-haiku-4-5').exact, false);
  });
});
