import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalWord, contentTokens, normalizeText, stem } from './text-normalize.js';

test('expands contractions, including "cannot" without an apostrophe', () => {
  assert.equal(normalizeText("I can't, won't, don't"), 'i can not, will not, do not');
  assert.equal(normalizeText('It cannot be'), 'it can not be');
  assert.equal(normalizeText('What’s this'), 'what is this');
  assert.match(normalizeText('costs $50'), /usd 50/);
});

test('stems the forms of a word to one key', () => {
  for (const group of [
    ['charges', 'charged', 'charging', 'charge'],
    ['runs', 'running', 'run'],
    ['boxes', 'box'],
  ]) {
    const keys = new Set(group.map(stem));
    assert.equal(keys.size, 1, `${group.join(',')} → ${[...keys].join(',')}`);
  }
  assert.equal(stem('string'), 'string');
});

test('folds phrases and synonyms, drops stop words, keeps negators', () => {
  assert.deepEqual(contentTokens('How do I sign in?'), ['login']);
  assert.deepEqual(contentTokens('I cannot log in'), ['not', 'login']);
  assert.equal(canonicalWord('remove'), canonicalWord('delete'));
  assert.equal(canonicalWord('membership'), 'subscription');
  assert.deepEqual(contentTokens('Enable 2FA'), ['turnon', 'twofactor']);
});
